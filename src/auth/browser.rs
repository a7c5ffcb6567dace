//! A browser's family from its User-Agent ("Firefox on Linux"): enough for a
//! person to recognise their own devices in the session list, without
//! keeping the full string (which fingerprints).

/// How the stored family reads: `{browser}{ON}{system}`, [`A_BROWSER`] when
/// only the system is known, or [`UNKNOWN`] (the session list shows these
/// in the reader's language).
pub const ON: &str = " on ";
pub const A_BROWSER: &str = "A browser";
pub const UNKNOWN: &str = "Unknown browser";

/// "Browser on System", or "Unknown browser".
pub fn family(user_agent: &str) -> String {
    let ua = user_agent;
    // Order matters: Edge and Opera say "Chrome", Chrome says "Safari".
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    let system = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b}{ON}{s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => format!("{A_BROWSER}{ON}{s}"),
        (None, None) => UNKNOWN.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::family;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        let safari_ios = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(family(firefox), "Firefox on Linux");
        assert_eq!(family(chrome), "Chrome on Windows");
        assert_eq!(family(edge), "Edge on Windows");
        assert_eq!(family(safari_ios), "Safari on iPhone");
        assert_eq!(family(""), "Unknown browser");
    }
}
