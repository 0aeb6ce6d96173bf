/** The fixed vocabulary answers are drawn from (64 short, plain words). */
const VOCAB: readonly string[] = (
  'the quick brown fox jumps over lazy dog river stone light cloud green paper window garden ' +
  'simple answer model token stream router signal market energy silver orange winter summer morning ' +
  'evening planet ocean forest bridge castle engine rocket coffee letter number question travel ' +
  'music yellow purple little bright quiet gentle steady rapid careful honest modern ancient ' +
  'north south east west blue happy tiny giant'
).split(' ')

export function word(r: () => number): string {
  return VOCAB[Math.floor(r() * VOCAB.length)] ?? 'the'
}
