/**
 * forEachItem reads a listing's items a piece at a time, and must give exactly what JSON.parse of
 * the whole body (decoded as UTF-8, a leading BOM dropped) gives: the items of the top-level
 * object's `key` in order, their count and the rest of the object, or, for any other body, what
 * JSON.parse made of it (its text when it is not JSON). Random bodies come from a seeded PRNG.
 * Where pieces cut at `},{` have already been handed on, a body found broken later gives the same
 * answer after them, and one that gives the key again is refused (JSON.parse would take the last).
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { isDeepStrictEqual as equals } from 'node:util'
import { forEachItem, type ListingPage } from '../src/github/listing.js'
import { mulberry32 } from './helpers/random.js'

const KEY = 'resources'
const encoder = new TextEncoder()

class Rng {
  private readonly next: () => number
  constructor(seed: number) {
    this.next = mulberry32(seed)
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }
}

/** What forEachItem returned and what it handed to visit. */
interface Run {
  result: ListingPage
  visited: unknown[]
}

function run(chunks: readonly Uint8Array[], pieceBytes?: number, key = KEY): Run {
  const visited: unknown[] = []
  const result = forEachItem(chunks, key, item => visited.push(item), pieceBytes)
  return { result, visited }
}

/** The answer JSON.parse of the whole body gives, as forEachItem must give it. */
function reference(bytes: Uint8Array, key = KEY): Run {
  const text = new TextDecoder().decode(bytes)
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return { result: { listed: false, data: text }, visited: [] }
  }
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const list = (data as Record<string, unknown>)[key]
    if (Array.isArray(list)) {
      return {
        result: { listed: true, count: list.length, page: { ...data, [key]: [] } },
        visited: list
      }
    }
  }
  return { result: { listed: false, data }, visited: [] }
}

/** The bytes cut at the given offsets, each chunk a view into one shared buffer. */
function cutAt(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  // Copied behind a few bytes of padding, so that no chunk starts at byteOffset 0 of its buffer.
  const backing = new Uint8Array(bytes.length + 3)
  backing.set(bytes, 3)
  const all = backing.subarray(3)
  const chunks: Uint8Array[] = []
  let from = 0
  for (const to of [...offsets, bytes.length]) {
    chunks.push(all.subarray(from, to))
    from = to
  }
  return chunks
}

/** The bytes in chunks of random sizes, 1-byte and empty chunks among them. */
function randomChunks(rng: Rng, bytes: Uint8Array): Uint8Array[] {
  const style = rng.int(5)
  const offsets: number[] = []
  let at = 0
  for (;;) {
    let size: number
    if (style === 0) size = 1
    else if (style === 1) size = 1 + rng.int(3)
    else if (style === 2) size = 1 + rng.int(64)
    else if (style === 3) size = rng.chance(0.1) ? 0 : 1 + rng.int(17)
    else size = bytes.length
    at += size
    if (at >= bytes.length) break
    offsets.push(at)
  }
  return cutAt(bytes, offsets)
}

function chunksOf(text: string, size?: number): Uint8Array[] {
  const bytes = encoder.encode(text)
  if (size === undefined) return [bytes]
  const offsets: number[] = []
  for (let at = size; at < bytes.length; at += size) offsets.push(at)
  return cutAt(bytes, offsets)
}

function expectLike(bytes: Uint8Array, chunks: Uint8Array[], pieceBytes?: number): void {
  expect(run(chunks, pieceBytes)).toStrictEqual(reference(bytes))
}

/** A short account of an outcome, for a list of mismatches. */
function brief(outcome: Run | string): string {
  if (typeof outcome === 'string') return outcome
  const { result, visited } = outcome
  if (result.listed) return `listed, ${result.count} items (${visited.length} visited)`
  const data = typeof result.data === 'string' ? 'the text' : JSON.stringify(result.data)
  return `not listed, data ${data} (${visited.length} visited)`
}

// ---------------------------------------------------------------- random JSON text

const WHITESPACE = [' ', '\n', '\t', '\r\n', '  ', ' \n\t\r ']

function ws(rng: Rng): string {
  if (rng.chance(0.6)) return ''
  let out = ''
  for (let n = 1 + rng.int(3); n > 0; n--) out += rng.pick(WHITESPACE)
  return out
}

const PIECES = [
  'a',
  'Z',
  '0',
  ' ',
  ',',
  '[',
  ']',
  '{',
  '}',
  '"',
  '\\',
  '/',
  ':',
  '\\u',
  '\\"',
  '",',
  '"]',
  '"}',
  '],[',
  'é',
  'ß',
  '中文',
  '😀',
  '🎉',
  '\u2028',
  '\ufeff',
  '\u0000',
  '\n',
  '\t',
  '\u001f',
  '\ud800',
  '\udfff',
  KEY,
  'resources"',
  'id'
]

function randomString(rng: Rng): string {
  let s = ''
  for (let n = rng.int(7); n > 0; n--) s += rng.pick(PIECES)
  return s
}

function hex4(code: number, rng: Rng): string {
  const h = code.toString(16).padStart(4, '0')
  return `\\u${rng.chance(0.5) ? h : h.toUpperCase()}`
}

const SHORT: Record<string, string> = {
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t'
}

/** A JSON string literal for `s`, written with randomly chosen escapes. */
function literal(s: string, rng: Rng): string {
  let out = '"'
  for (const ch of s) {
    const code = ch.codePointAt(0)!
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (code < 0x20)
      out += SHORT[ch] !== undefined && rng.chance(0.7) ? SHORT[ch] : hex4(code, rng)
    else if (code >= 0xd800 && code <= 0xdfff)
      out += hex4(code, rng) // a lone surrogate
    else if (ch === '/' && rng.chance(0.5)) out += '\\/'
    else if (rng.chance(0.15)) {
      if (code > 0xffff) out += hex4(ch.charCodeAt(0), rng) + hex4(ch.charCodeAt(1), rng)
      else out += hex4(code, rng)
    } else out += ch
  }
  return out + '"'
}

function digits(rng: Rng, n: number): string {
  let out = ''
  for (let k = 0; k < n; k++) out += String(rng.int(10))
  return out
}

/** A JSON number as text: sign, integer part, fraction and exponent each at random. */
function number(rng: Rng): string {
  let out = rng.chance(0.3) ? '-' : ''
  out += rng.chance(0.2)
    ? '0'
    : String(1 + rng.int(9)) + digits(rng, rng.int(rng.chance(0.1) ? 25 : 5))
  if (rng.chance(0.3)) out += '.' + digits(rng, 1 + rng.int(6))
  if (rng.chance(0.25))
    out += rng.pick(['e', 'E']) + rng.pick(['', '+', '-']) + digits(rng, 1 + rng.int(3))
  return out
}

function value(rng: Rng, depth: number): string {
  const kind = rng.int(depth >= 4 ? 6 : 8)
  switch (kind) {
    case 0:
    case 1:
      return number(rng)
    case 2:
    case 3:
      return literal(randomString(rng), rng)
    case 4:
      return rng.pick(['true', 'false', 'null'])
    case 5:
      return rng.chance(0.5) ? '[]' : '{}'
    case 6: {
      const items: string[] = []
      for (let n = rng.int(5); n > 0; n--) items.push(ws(rng) + value(rng, depth + 1) + ws(rng))
      return `[${items.join(',') || ws(rng)}]`
    }
    default: {
      const members: string[] = []
      for (let n = rng.int(5); n > 0; n--) {
        const name = rng.chance(0.2) ? KEY : randomString(rng)
        members.push(
          `${ws(rng)}${literal(name, rng)}${ws(rng)}:${ws(rng)}${value(rng, depth + 1)}${ws(rng)}`
        )
      }
      return `{${members.join(',') || ws(rng)}}`
    }
  }
}

/** A member of the top-level object other than `resources`. */
function otherMember(rng: Rng): string {
  let name = randomString(rng)
  if (name === KEY) name += 'x'
  return `${ws(rng)}${literal(name, rng)}${ws(rng)}:${ws(rng)}${value(rng, 1)}${ws(rng)}`
}

/** `{ ...other keys..., "resources": [items], ...more keys }` with random whitespace. */
function listingBody(rng: Rng): string {
  const items: string[] = []
  const n = rng.pick([0, 1, 2, 3, 5, 10, 20, 40])
  for (let k = 0; k < n; k++) items.push(ws(rng) + value(rng, 1) + ws(rng))
  const list = `[${items.join(',') || ws(rng)}]`
  const members: string[] = []
  for (let k = rng.int(4); k > 0; k--) members.push(otherMember(rng))
  members.push(`${ws(rng)}${literal(KEY, rng)}${ws(rng)}:${ws(rng)}${list}${ws(rng)}`)
  for (let k = rng.int(4); k > 0; k--) members.push(otherMember(rng))
  return `${ws(rng)}{${members.join(',')}}${ws(rng)}`
}

const PIECE_SIZES = [1, 2, 7, 64, 300, undefined]

// ---------------------------------------------------------------- tests

describe('forEachItem on listings', () => {
  it('gives what JSON.parse gives for 500 random listings, in random chunks and pieces', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const rng = new Rng(seed)
      const text = listingBody(rng)
      const bytes = encoder.encode(text)
      const parsed = JSON.parse(text) as Record<string, unknown>
      const items = parsed[KEY] as unknown[]
      expect(Array.isArray(items)).toBe(true)
      const chunks = randomChunks(rng, bytes)
      const pieceBytes = rng.pick(PIECE_SIZES)
      const { result, visited } = run(chunks, pieceBytes)
      // The seed and piece size ride along, so that a failure says which body it was.
      expect({ seed, pieceBytes, result, visited }).toStrictEqual({
        seed,
        pieceBytes,
        result: { listed: true, count: items.length, page: { ...parsed, [KEY]: [] } },
        visited: items
      })
    }
  })

  it('gives the same at every chunk boundary: inside escapes, keys and multi-byte characters', () => {
    const text =
      '{"a\\"":"x\\\\\\"y,]","res\\u006fur\\u0063es" : [ "é😀\\u00e9\\\\", {"k":"\\"]},[{"},' +
      '\t[1,{"resources":[2,3]}] , -1.5e+3,"中,文\\ud83d\\ude00",\n{} ,[],0 ], "z":null}'
    const bytes = encoder.encode(text)
    const items = (JSON.parse(text) as Record<string, unknown>)[KEY] as unknown[]
    expect(items).toHaveLength(8)
    for (const pieceBytes of [1, 5, undefined]) {
      for (let i = 0; i <= bytes.length; i++) {
        expectLike(bytes, cutAt(bytes, [i]), pieceBytes)
        for (let j = i; j <= bytes.length; j += 3)
          expectLike(bytes, cutAt(bytes, [i, j]), pieceBytes)
      }
      expectLike(bytes, chunksOf(text, 1), pieceBytes)
    }
  })

  it('hands on an empty array and an array of one item', () => {
    for (const pieceBytes of [1, undefined]) {
      for (const text of ['{"resources":[]}', '{"resources":[ \n\t ]}', ' {"resources" : [ ] } ']) {
        expect(run(chunksOf(text), pieceBytes)).toStrictEqual({
          result: { listed: true, count: 0, page: { resources: [] } },
          visited: []
        })
      }
      expect(run(chunksOf('{"resources":[{"id":1}]}', 1), pieceBytes)).toStrictEqual({
        result: { listed: true, count: 1, page: { resources: [] } },
        visited: [{ id: 1 }]
      })
    }
  })

  it('keeps the keys before and after the array in the page', () => {
    const text = '{"total_count":3,"a":{"b":[1,2]},"resources":[1,"two",{"three":3}],"next":null}'
    for (const pieceBytes of [1, 3, undefined]) {
      expect(run(chunksOf(text, 2), pieceBytes)).toStrictEqual({
        result: {
          listed: true,
          count: 3,
          page: { total_count: 3, a: { b: [1, 2] }, resources: [], next: null }
        },
        visited: [1, 'two', { three: 3 }]
      })
    }
  })

  it('takes only the top-level key, not one nested deeper', () => {
    const nested = '{"meta":{"resources":[1,2]},"list":[{"resources":[9]}],"resources":[3]}'
    expect(run(chunksOf(nested), 1)).toStrictEqual({
      result: {
        listed: true,
        count: 1,
        page: { meta: { resources: [1, 2] }, list: [{ resources: [9] }], resources: [] }
      },
      visited: [3]
    })
    const after = '{"resources":[3],"meta":{"resources":[1,2]}}'
    expect(run(chunksOf(after), 1).visited).toStrictEqual([3])
    const only = '{"meta":{"resources":[1,2]},"x":["resources",[1]]}'
    expect(run(chunksOf(only), 1)).toStrictEqual({
      result: { listed: false, data: JSON.parse(only) },
      visited: []
    })
    // A string value that spells the key is not the key.
    const value = '{"name":"resources","x":[1]}'
    expect(run(chunksOf(value), 1)).toStrictEqual({
      result: { listed: false, data: JSON.parse(value) },
      visited: []
    })
  })

  it('follows JSON.parse when the key is given twice: the last one counts', () => {
    const cases: [string, Run][] = [
      [
        '{"resources":[1,2],"resources":[3]}',
        { result: { listed: true, count: 1, page: { resources: [] } }, visited: [3] }
      ],
      [
        '{"resources":[1],"x":0,"resour\\u0063es":[2,4]}',
        { result: { listed: true, count: 2, page: { resources: [], x: 0 } }, visited: [2, 4] }
      ],
      [
        '{"resources":null,"resources":[4,5]}',
        { result: { listed: true, count: 2, page: { resources: [] } }, visited: [4, 5] }
      ],
      [
        '{"resources":[1,2],"resources":null}',
        { result: { listed: false, data: { resources: null } }, visited: [] }
      ],
      [
        '{"resources":[1,2],"resources":{"a":[1]}}',
        { result: { listed: false, data: { resources: { a: [1] } } }, visited: [] }
      ]
    ]
    for (const [text, expected] of cases) {
      for (const pieceBytes of [1, undefined]) {
        expect({ text, ...run(chunksOf(text, 3), pieceBytes) }).toStrictEqual({ text, ...expected })
      }
    }
  })

  it('is not a listing when the key is absent or its value is not an array', () => {
    for (const text of [
      '{}',
      '{"other":[1,2]}',
      '{"resources":null}',
      '{"resources":{}}',
      '{"resources":{"a":[1,2]}}',
      '{"resources":"[1,2]"}',
      '{"resources":5}',
      '{"resources":true}'
    ]) {
      for (const pieceBytes of [1, undefined]) {
        expect({ text, ...run(chunksOf(text, 2), pieceBytes) }).toStrictEqual({
          text,
          result: { listed: false, data: JSON.parse(text) },
          visited: []
        })
      }
    }
  })

  it('gives JSON.parse of a body that is JSON but not an object', () => {
    for (const [text, data] of [
      ['[1,2]', [1, 2]],
      ['[{"resources":[1]}]', [{ resources: [1] }]],
      ['"abc"', 'abc'],
      ['"{\\"resources\\":[1]}"', '{"resources":[1]}'],
      [' null ', null],
      ['42', 42]
    ] as [string, unknown][]) {
      expect({ text, ...run(chunksOf(text), 1) }).toStrictEqual({
        text,
        result: { listed: false, data },
        visited: []
      })
    }
  })
})

describe('forEachItem on bodies that are not JSON', () => {
  const MALFORMED = [
    ' \n\t ',
    '{"resources":[1,2,3',
    '{"resources":[1,2,3,',
    '{"resources":[1,"ab',
    '{"resources":[1,"a\\',
    '{"resou',
    '{"resources":[1,2]',
    '{"resources":[1,2]}}',
    '{"resources":[1,[2]}',
    '{"resources":[1,2}}',
    '{"resources":[1,{"a":2]}]}',
    '{"resources":[1]]}',
    '{"resources":[1]} x',
    '{"resources":[1]}]',
    '{"resources":[1]},',
    '{"resources":[1]}{"resources":[2]}',
    '{"a":1}{"resources":[2]}',
    '{"resources":[1]} {"a":1}',
    '{"resources":[1]} [2]',
    '{"resources":[1], }',
    '{"resources" [1]}',
    '{"resources":[1] "a":2}',
    '{"resources":[1],"b":tru}',
    "{'resources':[1]}",
    '[1,2,]',
    '"abc',
    'resources'
  ]

  /** Bodies broken inside the array, with the items before the break. */
  const BROKEN_ITEMS: [string, unknown[]][] = [
    ['{"resources":[1,2,]}', [1, 2]],
    ['{"resources":[1,2 , ]}', [1, 2]],
    ['{"resources":[,1,2]}', []],
    ['{"resources":[1,,2]}', [1]],
    ['{"resources":[1 2]}', []],
    ['{"resources":[{"a":1} {"b":2}]}', []],
    ['{"resources":[{"a":1},{"b":2} {"c":3}]}', [{ a: 1 }]],
    ['{"resources":[0,01]}', [0]],
    ['{"resources":[1,NaN]}', [1]],
    ['{"resources":[1,"a\u0001"]}', [1]],
    ['{"resources":[1,"\\x"]}', [1]],
    ['{"resources":[1,"\\u12"]}', [1]]
  ]

  it('gives the text and visits nothing when the body around the array is broken', () => {
    for (const text of MALFORMED) {
      for (const pieceBytes of [1, 2, 3, undefined]) {
        for (const size of [1, undefined]) {
          expect({
            text,
            pieceBytes,
            size,
            ...run(chunksOf(text, size), pieceBytes)
          }).toStrictEqual({
            text,
            pieceBytes,
            size,
            result: { listed: false, data: text },
            visited: []
          })
        }
      }
    }
  })

  it('gives the text when an item is broken, visiting at most the items before it', () => {
    for (const [text, before] of BROKEN_ITEMS) {
      // Read as one piece, nothing is handed on.
      expect({ text, ...run(chunksOf(text)) }).toStrictEqual({
        text,
        result: { listed: false, data: text },
        visited: []
      })
      // Read a piece at a time, the items before the broken piece may have been (the documented
      // case), never any other.
      for (const pieceBytes of [1, 2, 3, 7]) {
        for (const size of [1, undefined]) {
          const { result, visited } = run(chunksOf(text, size), pieceBytes)
          expect({ text, pieceBytes, size, result }).toStrictEqual({
            text,
            pieceBytes,
            size,
            result: { listed: false, data: text }
          })
          expect(visited).toStrictEqual(before.slice(0, visited.length))
        }
      }
    }
  })

  it('gives the empty text for an empty body', () => {
    for (const chunks of [[], [new Uint8Array(0)], [new Uint8Array(0), new Uint8Array(0)]]) {
      expect(run(chunks)).toStrictEqual({ result: { listed: false, data: '' }, visited: [] })
      expect(run(chunks, 1)).toStrictEqual({ result: { listed: false, data: '' }, visited: [] })
    }
  })

  it('refuses a trailing comma before visiting anything when a piece is cut just before it', () => {
    // With pieceBytes 1 every comma is a cut, the last one right before the closing bracket;
    // with 4, only the last comma is.
    const text = '{"resources":[1,2,3,]}'
    for (const pieceBytes of [1, 4]) {
      expect(run(chunksOf(text), pieceBytes)).toStrictEqual({
        result: { listed: false, data: text },
        visited: []
      })
    }
    // When the last comma is not a cut, the last piece `3,` is what is broken: the items of the
    // pieces before it are handed on first (the documented case).
    for (const pieceBytes of [2, 3]) {
      expect(run(chunksOf(text), pieceBytes)).toStrictEqual({
        result: { listed: false, data: text },
        visited: [1, 2]
      })
    }
  })

  it('finds a broken later piece only after the items before it were handed on', () => {
    const text = '{"resources":[1,2,3,4,5,6,7,8, {"a": tru}]}'
    // Read whole, the one piece is broken and nothing is handed on.
    expect(run(chunksOf(text))).toStrictEqual({
      result: { listed: false, data: text },
      visited: []
    })
    // Read a piece at a time, the items before the broken one may have been handed on (as
    // documented: the caller must drop them), but the answer is still that the body is not JSON.
    for (const pieceBytes of [1, 7]) {
      const { result, visited } = run(chunksOf(text, 5), pieceBytes)
      expect(result).toStrictEqual({ listed: false, data: text })
      expect(visited).toStrictEqual([1, 2, 3, 4, 5, 6, 7, 8].slice(0, visited.length))
    }
  })

  it('gives the text, not an exception, for a key that is not a JSON string', () => {
    // JSON.parse refuses a bad escape or a raw control character in a key as anywhere else.
    const mismatches: string[] = []
    for (const text of [
      '{"a\\x":1,"resources":[1]}',
      '{"a\tb":1,"resources":[1]}',
      '{"resources":[1],"\\u12":2}',
      '{"resources":[1]}{"\\q":2}',
      '{"resources":[1]} ["\\q"]'
    ]) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError)
      for (const pieceBytes of [1, undefined]) {
        let outcome: Run | string
        try {
          outcome = run(chunksOf(text), pieceBytes)
        } catch (error) {
          outcome = `threw ${String(error)}`
        }
        if (!equals(outcome, { result: { listed: false, data: text }, visited: [] })) {
          mismatches.push(
            `pieceBytes ${pieceBytes}, body ${JSON.stringify(text)}: got ${brief(outcome)}`
          )
        }
      }
    }
    expect(mismatches).toStrictEqual([])
  })

  it('refuses an empty element between commas wherever the pieces are cut', () => {
    // `[ ,1]` and `[1, ,2]` are not JSON: whitespace alone between two commas is no item, also
    // when both commas are cuts (each case lists the piece sizes that cut at both of them).
    const long = '"' + 'a'.repeat(50000) + '"'
    const cases: [string, unknown[], (number | undefined)[]][] = [
      ['{"resources":[ ,1]}', [], [1]],
      ['{"resources":[1, ,2]}', [1], [1]],
      ['{"resources":[1,2,  ,3,4]}', [1, 2], [1]],
      ['{"resources":[          ,1]}', [], [1, 7]],
      ['{"resources":[1111111,          ,2]}', [1111111], [1, 7]],
      ['{"resources":[1111111,\n\n\n\n\n\n\n\n\n\n,2]}', [1111111], [1, 7]],
      // The default piece size too: a long first item, then a long run of whitespace.
      [`{"resources":[${long},${' '.repeat(50000)},2]}`, ['a'.repeat(50000)], [undefined]]
    ]
    const mismatches: string[] = []
    for (const [text, before, sizes] of cases) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError)
      for (const pieceBytes of sizes) {
        const outcome = run(chunksOf(text), pieceBytes)
        const { result, visited } = outcome
        const prefix = equals(visited, before.slice(0, visited.length))
        if (result.listed || result.data !== text || !prefix) {
          const body =
            text.length > 60 ? `${JSON.stringify(text.slice(0, 30))}...` : JSON.stringify(text)
          mismatches.push(`pieceBytes ${pieceBytes}, body ${body}: got ${brief(outcome)}`)
        }
      }
    }
    expect(mismatches).toStrictEqual([])
  })

  it('gives what JSON.parse gives for 500 random listings with a byte changed, inserted or cut', () => {
    const noise = [',', '[', ']', '{', '}', '"', '\\', ' ', ':', '1', 'x', '\n']
    const mismatches: string[] = []
    for (let seed = 1; seed <= 500; seed++) {
      const rng = new Rng(seed * 7919)
      let text = listingBody(rng)
      const at = rng.int(text.length + 1)
      const change = rng.int(4)
      if (change === 0) text = text.slice(0, at) + text.slice(at + 1)
      else if (change === 1) text = text.slice(0, at) + rng.pick(noise) + text.slice(at)
      else if (change === 2) text = text.slice(0, at) + rng.pick(noise) + text.slice(at + 1)
      else text = text.slice(0, at)
      const bytes = encoder.encode(text)
      const expected = reference(bytes)
      const pieceBytes = rng.pick(PIECE_SIZES)
      let outcome: Run | string
      try {
        outcome = run(randomChunks(rng, bytes), pieceBytes)
      } catch (error) {
        outcome = `threw ${String(error)}`
      }
      const documented =
        typeof outcome !== 'string' &&
        !expected.result.listed &&
        outcome.visited.length > 0 &&
        typeof expected.result.data === 'string'
      // The documented case: a broken piece found after earlier items were handed on.
      const wanted = documented ? { ...expected, visited: (outcome as Run).visited } : expected
      if (!equals(outcome, wanted)) {
        // One line each, so that every mismatch is seen, not just the first.
        mismatches.push(
          `seed ${seed}, pieceBytes ${pieceBytes}, body ${JSON.stringify(text)}: ` +
            `got ${brief(outcome)}, JSON.parse gives ${brief(expected)}`
        )
      }
    }
    expect(mismatches).toStrictEqual([])
  })
})

describe('forEachItem cutting at "},{" without looking at the bytes between', () => {
  // Items with `},{` inside strings and inside nested lists of objects: a cut there leaves a
  // string or a bracket open, so its piece cannot parse, and the scan finds the real cut.
  const tricky = (i: number) => ({
    id: i,
    note: `a},{"b":${i}},{`,
    nested: [{ x: i }, { y: '},{' }, [{ z: [{}, {}] }]],
    esc: '\\"},{\\'
  })
  const items = Array.from({ length: 60 }, (_, i) => (i % 3 === 1 ? tricky(i) : { id: i }))
  const body = JSON.stringify({ before: 1, resources: items, after: [{ a: 1 }, { b: 2 }] })

  it('gives what JSON.parse gives, wherever the chunks and pieces fall', () => {
    const bytes = encoder.encode(body)
    for (const pieceBytes of [1, 5, 17, 64, 200, undefined]) {
      for (const size of [1, 3, 7, 64, undefined]) {
        expect(run(chunksOf(body, size), pieceBytes)).toStrictEqual(reference(bytes))
      }
    }
  })

  it('refuses a body that gives the key again after items were handed on', () => {
    // JSON.parse would keep the last list; the first one's items were already handed on.
    const twice = `${body.slice(0, -1)},"resources":[{"id":99}]}`
    const { result, visited } = run(chunksOf(twice, 64), 5)
    expect(visited.length).toBeGreaterThan(0)
    expect(visited).toStrictEqual(items.slice(0, visited.length))
    expect(result).toStrictEqual({
      listed: false,
      data: JSON.parse(twice),
      reason: 'JSON that gives "resources" more than once'
    })
    // Read whole, nothing is handed on before the second key is seen: JSON.parse's answer.
    expect(run(chunksOf(twice))).toStrictEqual(reference(encoder.encode(twice)))
  })

  it('gives the text when the body after the items is broken, after handing on at most the items', () => {
    for (const broken of [`${body.slice(0, -1)},"x":tru}`, `${body}x`, body.slice(0, -2)]) {
      const { result, visited } = run(chunksOf(broken, 64), 5)
      expect(result).toStrictEqual({ listed: false, data: broken })
      expect(visited).toStrictEqual(items.slice(0, visited.length))
    }
  })
})

describe('forEachItem and UTF-8', () => {
  it('drops a leading BOM as TextDecoder does', () => {
    const body = encoder.encode('{"resources":[1,{"a":"é"}],"n":2}')
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...body])
    const expected = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>
    for (const pieceBytes of [1, undefined]) {
      for (const chunks of [[bytes], cutAt(bytes, [1]), cutAt(bytes, [2, 4])]) {
        expect(run(chunks, pieceBytes)).toStrictEqual({
          result: { listed: true, count: 2, page: { ...expected, resources: [] } },
          visited: [1, { a: 'é' }]
        })
      }
      const ones = cutAt(
        bytes,
        Array.from({ length: bytes.length - 1 }, (_, k) => k + 1)
      )
      expect(run(ones, pieceBytes).visited).toStrictEqual([1, { a: 'é' }])
    }
    // Not JSON after the BOM: the text without it.
    const broken = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('{"resources":[1,]}')])
    expect(run([broken], 1)).toStrictEqual({
      result: { listed: false, data: '{"resources":[1,]}' },
      visited: []
    })
  })

  it('decodes bytes that are not UTF-8 as TextDecoder does', () => {
    const bad = [
      [0xff],
      [0xc3],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x9f, 0x98],
      [0xe2, 0x82],
      [0xf4, 0x90, 0x80, 0x80],
      [0x80, 0x80]
    ]
    for (const junk of bad) {
      for (const [before, after] of [
        ['{"resources":["a', 'b",1]}'],
        ['{"resources":[1,"', '"],"x":"y"}'],
        ['{"x":"', '","resources":[1,2]}']
      ]) {
        const bytes = new Uint8Array([...encoder.encode(before), ...junk, ...encoder.encode(after)])
        for (const pieceBytes of [1, undefined]) {
          expectLike(bytes, [bytes], pieceBytes)
          expectLike(bytes, cutAt(bytes, [before!.length + 1]), pieceBytes)
        }
      }
    }
  })
})

describe('forEachItem on a large listing', () => {
  afterEach(() => {
    jest.restoreAllMocks()
  })

  it('hands on 20,000 resources in order from 64 KiB chunks, never parsing the whole body', () => {
    const resources = Array.from({ length: 20000 }, (_, k) => ({
      id: k + 1,
      resource_type: 'github_file',
      copilot_chat_attachment_id: null,
      metadata: {
        repository_id: 123456789,
        file_path: `docs/section-${k % 97}/file-${k}.md`,
        sha: (k * 2654435761).toString(16).padStart(40, '0').slice(-40)
      },
      created_at: '2024-05-01T12:00:00Z',
      updated_at: '2024-05-02T08:30:00Z'
    }))
    const text = JSON.stringify({ id: 7, name: 'Space', resources, total_count: 20000 })
    const bytes = encoder.encode(text)
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024)
    const offsets: number[] = []
    for (let at = 64 * 1024; at < bytes.length; at += 64 * 1024) offsets.push(at)
    const chunks = cutAt(bytes, offsets)

    const parse = jest.spyOn(JSON, 'parse')
    const ids: number[] = []
    let first: unknown
    let last: unknown
    const result = forEachItem(chunks, KEY, item => {
      ids.push((item as { id: number }).id)
      first ??= item
      last = item
    })
    const calls = parse.mock.calls.length
    const longest = Math.max(...parse.mock.calls.map(([arg]) => String(arg).length))
    parse.mockRestore()

    expect(result).toStrictEqual({
      listed: true,
      count: 20000,
      page: { id: 7, name: 'Space', resources: [], total_count: 20000 }
    })
    expect(ids).toStrictEqual(resources.map(r => r.id))
    expect(first).toStrictEqual(resources[0])
    expect(last).toStrictEqual(resources[19999])
    // The items were parsed a piece at a time: no one string near the size of the body.
    expect(calls).toBeGreaterThan(bytes.length / (64 * 1024))
    expect(longest).toBeLessThan(128 * 1024)
  })
})
