//! Free text typed into forms. NUL and other control characters are refused
//! everywhere: SQLite's LIKE stops at a NUL (a search for "%00" matched every
//! patient), and they corrupt logs, CSV files and emails. Notes may keep line
//! breaks (browsers send them as CRLF) and tabs.

/// What a person is told when a field holds control characters.
pub const CONTROL_CHARACTERS: &str =
    "remove the invisible control characters (often pasted from another program) and try again";

/// Whether `s` is one line of plain text: no control characters at all.
pub fn is_plain_line(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// Whether `s` is plain text that may run over several lines: control
/// characters only as newline, tab, or the CR of a CRLF.
pub fn is_plain_text(s: &str) -> bool {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let ok = match c {
            '\n' | '\t' => true,
            '\r' => chars.peek() == Some(&'\n'),
            c => !c.is_control(),
        };
        if !ok {
            return false;
        }
    }
    true
}

/// A note's text checked: `Err` with [`CONTROL_CHARACTERS`] when it holds
/// anything but plain text.
pub fn check_note(s: &str) -> Result<(), &'static str> {
    if is_plain_text(s) {
        Ok(())
    } else {
        Err(CONTROL_CHARACTERS)
    }
}

/// `s` escaped for HTML and SVG text and attribute values: the one escaper
/// for markup the code writes itself (askama escapes templates).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_but_line_breaks_in_notes_are_kept() {
        assert!(is_plain_line("Ann O'Neil – 50% done"));
        assert!(!is_plain_line("a\0b") && !is_plain_line("a\nb") && !is_plain_line("\u{7f}"));
        assert!(is_plain_text("first line\r\nsecond\tline\n"));
        for bad in [
            "\0",
            "a\u{1}b",
            "bell\u{7}",
            "esc\u{1b}[31m",
            "lone\rCR",
            "\u{85}next line",
        ] {
            assert!(!is_plain_text(bad), "{bad:?}");
            assert_eq!(check_note(bad), Err(CONTROL_CHARACTERS));
        }
    }
}
