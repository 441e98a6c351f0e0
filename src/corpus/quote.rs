//! Finding a quote in a source text despite typographic differences.
//!
//! Sources use NO-BREAK SPACE, en and em dashes and curly quotes; curators type plain spaces,
//! hyphens and straight quotes. Both sides are normalised the same way, and every normalised
//! character remembers where it came from, so a match maps back to offsets into the original.

/// A source text prepared for quote search.
pub struct QuoteIndex {
    /// The original text.
    original: Vec<char>,
    /// The normalised text.
    normalised: String,
    /// For each char of `normalised`, in order: its byte offset there and its char offset in the original.
    origin: Vec<(usize, u32)>,
    /// Char offset in the original at which each line starts.
    line_starts: Vec<u32>,
}

/// Where a quote was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// Char offset of the first matched char in the original text.
    pub start: u32,
    /// Char offset one past the last matched char in the original text.
    pub end: u32,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column (in chars) of `start`.
    pub column: u32,
    /// Non-overlapping occurrences in the whole text (1 unless the source repeats itself).
    pub occurrences: u32,
}

/// Maps one char to its normalised form; `None` marks whitespace (collapsed to one space).
fn fold(c: char) -> Option<char> {
    match c {
        c if c.is_whitespace() => None,
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => Some('-'),
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => Some('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '«' | '»' => Some('"'),
        c => Some(c),
    }
}

/// Normalises a quote the way source texts are: whitespace runs become one space, trimmed.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        match fold(c) {
            None => pending_space = !out.is_empty(),
            Some(f) => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(f);
            }
        }
    }
    out
}

impl QuoteIndex {
    /// Prepares `text` for searching.
    pub fn new(text: &str) -> Self {
        let mut normalised = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len());
        let mut line_starts = vec![0];
        let mut in_space = false;
        for (offset, c) in text.chars().enumerate() {
            let offset = offset as u32;
            if c == '\n' {
                line_starts.push(offset + 1);
            }
            match fold(c) {
                None if in_space => {}
                None => {
                    in_space = true;
                    origin.push((normalised.len(), offset));
                    normalised.push(' ');
                }
                Some(f) => {
                    in_space = false;
                    origin.push((normalised.len(), offset));
                    normalised.push(f);
                }
            }
        }
        QuoteIndex {
            original: text.chars().collect(),
            normalised,
            origin,
            line_starts,
        }
    }

    /// Finds the first occurrence of `quote`; `None` when it does not occur or is blank.
    pub fn locate(&self, quote: &str) -> Option<Located> {
        let needle = normalise(quote);
        if needle.is_empty() {
            return None;
        }
        let first = self.normalised.find(&needle)?;
        let occurrences = self.normalised.matches(&needle).count() as u32;
        let start_ix = self.char_index(first);
        let last_ix = self.char_index(first + needle.len() - 1);
        let start = self.origin[start_ix].1;
        let end = self.origin[last_ix].1 + 1;
        let line_ix = self.line_starts.partition_point(|&s| s <= start) - 1;
        Some(Located {
            start,
            end,
            line: line_ix as u32 + 1,
            column: start - self.line_starts[line_ix] + 1,
            occurrences,
        })
    }

    /// The original text of a located match.
    pub fn excerpt(&self, at: &Located) -> String {
        self.original[at.start as usize..at.end as usize]
            .iter()
            .collect()
    }

    /// The citation of `quote` in this text as `document`'s, `None` when it does not occur:
    /// where it starts and ends, its line and column, how often it occurs, and the passage as
    /// the original has it.
    pub fn cite(
        &self,
        document: crate::model::NodeId,
        quote: &str,
    ) -> Option<crate::model::Citation> {
        let at = self.locate(quote)?;
        Some(crate::model::Citation {
            document,
            quote: quote.to_owned(),
            start: at.start,
            end: at.end,
            line: at.line,
            column: at.column,
            occurrences: at.occurrences,
            excerpt: self.excerpt(&at),
        })
    }

    /// Index into `origin` of the normalised char that contains byte `byte`.
    fn char_index(&self, byte: usize) -> usize {
        self.origin.partition_point(|&(b, _)| b <= byte) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_typed_quote_is_found_in_typographic_text_and_points_at_the_original() {
        let text = "Title\n\nthe Programme\u{a0}for 2021\u{2013}2025 and \u{201c}more\u{201d}";
        let index = QuoteIndex::new(text);
        let at = index.locate("Programme for 2021-2025").expect("found");
        assert_eq!(index.excerpt(&at), "Programme\u{a0}for 2021\u{2013}2025");
        assert_eq!((at.line, at.column, at.occurrences), (3, 5, 1));
        let quoted = index.locate("\"more\"").expect("found");
        assert_eq!(index.excerpt(&quoted), "\u{201c}more\u{201d}");
    }

    #[test]
    fn whitespace_runs_and_line_breaks_match_a_single_space() {
        let text = "one  two\nthree";
        let at = QuoteIndex::new(text)
            .locate("one two three")
            .expect("found");
        assert_eq!((at.start, at.end), (0, 14));
    }

    #[test]
    fn a_repeated_passage_reports_the_first_occurrence_and_the_count() {
        let text = "a b. x a b.";
        let at = QuoteIndex::new(text).locate("a b.").expect("found");
        assert_eq!((at.start, at.occurrences), (0, 2));
    }

    #[test]
    fn absent_or_blank_quotes_are_not_found() {
        let index = QuoteIndex::new("some text");
        assert_eq!(index.locate("other"), None);
        assert_eq!(index.locate("  "), None);
    }
}
