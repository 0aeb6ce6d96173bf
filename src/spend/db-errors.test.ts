import { describe, expect, it } from 'vitest'
import { fileTrouble } from './db-errors.ts'

const err = (code: string) => Object.assign(new Error('x'), { code })

describe('fileTrouble', () => {
  it('knows the file failures by family, extended codes included', () => {
    expect(fileTrouble(err('SQLITE_CORRUPT'))?.code).toBe('SQLITE_CORRUPT')
    expect(fileTrouble(err('SQLITE_CORRUPT_INDEX'))?.code).toBe('SQLITE_CORRUPT')
    expect(fileTrouble(err('SQLITE_NOTADB'))?.code).toBe('SQLITE_NOTADB')
    expect(fileTrouble(err('SQLITE_IOERR_SHORT_READ'))?.code).toBe('SQLITE_IOERR')
    expect(fileTrouble(err('SQLITE_READONLY_DBMOVED'))?.code).toBe('SQLITE_READONLY')
    expect(fileTrouble(err('SQLITE_FULL'))?.code).toBe('SQLITE_FULL')
  })

  it('leaves locks, row errors and anything else alone', () => {
    for (const code of [
      'SQLITE_BUSY',
      'SQLITE_BUSY_SNAPSHOT',
      'SQLITE_LOCKED',
      'SQLITE_CONSTRAINT_CHECK',
      'SQLITE_ERROR',
      'SQLITE_NOTADBX',
      'ENOENT',
    ]) {
      expect(fileTrouble(err(code))).toBeNull()
    }
    expect(fileTrouble(new Error('no code'))).toBeNull()
    expect(fileTrouble(null)).toBeNull()
  })
})
