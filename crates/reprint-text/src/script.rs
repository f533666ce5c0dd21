//! Character classes for tokenization.

/// Whether `c` belongs to a script normally written without spaces between words.
/// Such characters become one token each.
#[inline]
pub(crate) fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x19E0..=0x19FF    // Khmer symbols
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // halfwidth Katakana
        | 0x20000..=0x3134F  // CJK extensions B..G
    )
}

/// Whether `c` continues a word: alphanumerics, combining marks and `_`.
#[inline]
pub(crate) fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || unicode_normalization::char::is_combining_mark(c)
}

/// ASCII word bytes: `[0-9A-Za-z_]`.
pub(crate) static ASCII_WORD: [bool; 128] = {
    let mut t = [false; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || b == b'_';
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(is_unspaced('中'));
        assert!(is_unspaced('ก'));
        assert!(is_unspaced('カ'));
        assert!(!is_unspaced('a'));
        assert!(!is_unspaced('한'));
        assert!(is_word('é'));
        assert!(is_word('\u{301}'));
        assert!(!is_word('-'));
        assert!(
            ASCII_WORD[b'_' as usize] && ASCII_WORD[b'z' as usize] && !ASCII_WORD[b' ' as usize]
        );
    }
}
