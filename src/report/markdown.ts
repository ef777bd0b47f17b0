/**
 * Untrusted text (paths, GitHub's messages, inputs) written into Markdown as data: what a reader
 * sees rendered is the text itself, never a link, image, HTML, heading, emphasis or table cell
 * that the text spelled out. Checked against the GFM renderers GitHub uses (cmark-gfm) and the
 * tests use (micromark with mdast-util-gfm).
 */
import { visible } from './untrusted.js'

// Every ASCII punctuation character can start or end some Markdown or GFM construct.
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/

/**
 * Both renderers find GFM autolink literals (`www.`, `https://`, `x@y.z`, `mailto:`, `xmpp:`)
 * in the text after character references are decoded, so escaping alone does not stop them. An
 * empty HTML comment splits the text node there: it renders as nothing, and neither renderer
 * matches a literal across it.
 */
export const TEXT_BREAK = '<!---->'

function reference(c: string): string {
  return `&#${c.codePointAt(0)};`
}

/**
 * Markdown that renders as exactly `visible(text)`, on one line, as plain text: each ASCII
 * punctuation character as a numeric character reference, leading and trailing whitespace too
 * (a table cell or a paragraph would trim it), a break before each character that could
 * complete an autolink literal, and one after each `@` (no mention).
 */
export function plainText(text: string): string {
  const chars = [...visible(text)]
  let start = 0
  while (start < chars.length && /\s/u.test(chars[start]!)) start++
  let end = chars.length
  while (end > start && /\s/u.test(chars[end - 1]!)) end--
  let out = ''
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (i < start || i >= end) {
      out += reference(c)
    } else if (ASCII_PUNCTUATION.test(c)) {
      // Never first: a line that starts with `<!--` is an HTML block; and a literal needs
      // text before the character, which the break separates.
      const autolinkPoint =
        i > 0 && (c === '@' || c === ':' || (c === '.' && out.slice(-3).toLowerCase() === 'www'))
      // After `@` too: GitHub notifies `@user` and `@org/team` found in a comment's text, and
      // a break leaves no text that starts with `@` and a name.
      out += (autolinkPoint ? TEXT_BREAK : '') + reference(c) + (c === '@' ? TEXT_BREAK : '')
    } else {
      out += c
    }
  }
  return out
}

/**
 * A code span when the text can be one as is (no backtick or pipe, which would end the span or,
 * in a table, the cell; no control character; no edge whitespace, which a code span strips),
 * otherwise `plainText`. Either way the rendered text is `visible(text)`.
 */
export function codeText(text: string): string {
  const spanSafe =
    text.length > 0 && !/[`|]/.test(text) && visible(text) === text && text.trim() === text
  return spanSafe ? `\`${text}\`` : plainText(text)
}

/**
 * A link destination for a URL the action built, kept from ending the destination or the link
 * early: whitespace, controls, angle brackets and parentheses percent-encoded, backslashes and
 * ampersands escaped so that no escape or character reference in the URL is decoded.
 */
export function linkDestination(url: string): string {
  return url.replace(/[\\&]/g, '\\$&').replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0020\u007f<>()]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
  )
}

/**
 * The text cut to at most `max` characters (code points, so no pair is split), saying how much
 * was left out: one very long message must not crowd everything else out of a bounded summary.
 */
export function clipText(text: string, max: number): string {
  const chars = [...text]
  if (chars.length <= max) return text
  return `${chars.slice(0, max).join('')} … (${chars.length - max} more characters)`
}
