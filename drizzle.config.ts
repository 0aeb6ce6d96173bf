/**
 * drizzle-kit: `npm run db:generate` turns changes to src/spend/schema.ts into a new SQL migration in
 * migrations/, which `openSpendDb` applies at start-up.
 */
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/spend/schema.ts',
  out: './migrations',
})
