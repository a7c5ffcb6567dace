//! Everything a patient reads, in the patient's language.
//!
//! The words live in Fluent catalogues, one folder per language under
//! `locales/` (embedded in the binary at build time). A page or an email is
//! given a [`Tr`]: a small value naming one language, through which its
//! template looks every message up. There is no process-wide locale, so two
//! requests in different languages cannot leak into each other.
//!
//! Two kinds of keys:
//! - **page keys** (`home-title`, `email-invite-subject`, ...) are written in
//!   every catalogue, English included;
//! - **domain keys** name words the domain writes in English beside the
//!   knowledge they describe (a question's label in `domain/questions.rs`,
//!   a result's advice in `triage/advice.rs`, a procedure's name). English
//!   comes from there; the other catalogues hold the same keys.
//!
//! `catalogue_tests` checks both kinds are complete in every language.

use crate::domain::questions::{Opt, Question, Said};
use crate::domain::{Lang, Overall, ProcedureClass, Words};
use chrono::{Datelike, NaiveDate};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks around every argument would end up inside
        // HTML attributes, email subjects and tests; the texts are all
        // left-to-right.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// An argument of a message: a number (plural rules apply to it) or text.
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    Num(f64),
    Text(Cow<'a, str>),
    /// Already HTML (a link built by [`Tr::tel`]): never escaped again.
    Html(String),
}

macro_rules! num_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Num(n as f64)
            }
        }
    )*};
}
num_arg!(u8, u32, i32, i64, usize, f64);

// Templates hand their values over by reference.
macro_rules! num_ref_arg {
    ($($t:ty),*) => {$(
        impl From<&$t> for Arg<'_> {
            fn from(n: &$t) -> Self {
                Arg::Num(*n as f64)
            }
        }
    )*};
}
num_ref_arg!(u8, u32, i32, i64, usize, f64);

/// [`Words`] however a template holds them (by value or by reference).
pub trait AsWords {
    fn as_words(&self) -> Words;
}
impl AsWords for Words {
    fn as_words(&self) -> Words {
        *self
    }
}
impl<T: AsWords + ?Sized> AsWords for &T {
    fn as_words(&self) -> Words {
        (**self).as_words()
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(Cow::Borrowed(s.as_str()))
    }
}
impl<'a> From<&&'a str> for Arg<'a> {
    fn from(s: &&'a str) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}
impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Text(Cow::Owned(s))
    }
}

use crate::domain::text::escape_html as escape;

/// The translator handed to each page and email: one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    lang: Lang,
}

impl Tr {
    /// English: the clinic's language (alert emails, staff pages).
    pub const EN: Tr = Tr { lang: Lang::En };

    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    pub fn language(&self) -> Lang {
        self.lang
    }

    /// The language code, for `<html lang>`.
    pub fn code(&self) -> &'static str {
        self.lang.as_str()
    }

    fn id(&self) -> LanguageIdentifier {
        // Both codes are valid language tags; `en` is the fallback anyway.
        self.lang.as_str().parse().unwrap_or_default()
    }

    fn lookup(&self, key: &str, args: &[(&str, Arg<'_>)], html: bool) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Arg::Num(n) => FluentValue::from(*n),
                    Arg::Text(s) if html => FluentValue::from(escape(s)),
                    Arg::Text(s) => FluentValue::from(s.to_string()),
                    Arg::Html(s) => FluentValue::from(s.clone()),
                };
                (Cow::Owned(k.to_string()), v)
            })
            .collect();
        let args = (!map.is_empty()).then_some(&map);
        // A missing key shows as itself, which the catalogue tests look for
        // on rendered pages.
        LOCALES
            .try_lookup_complete(&self.id(), key, args)
            .unwrap_or_else(|| key.to_string())
    }

    /// Whether the catalogue of this language has `key` itself (no fallback).
    pub fn has(&self, key: &str) -> bool {
        match LOCALES.lookup_single_language::<&str>(&self.id(), key, None) {
            Ok(_) => true,
            // Found, but formatting wanted its arguments (the loader's error
            // type is not public: only its variant's name tells).
            Err(e) => format!("{e:?}").starts_with("FluentError"),
        }
    }

    /// A message with any number of arguments.
    pub fn lookup_args(&self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.lookup(key, args, false)
    }
    /// A plain message.
    pub fn t(&self, key: &str) -> String {
        self.lookup(key, &[], false)
    }
    /// A message with one argument.
    pub fn t1<'a>(&self, key: &str, name: &str, v: impl Into<Arg<'a>>) -> String {
        self.lookup(key, &[(name, v.into())], false)
    }
    pub fn t2<'a, 'b>(&self, key: &str, n1: &str, v1: impl Into<Arg<'a>>, n2: &str, v2: impl Into<Arg<'b>>) -> String {
        self.lookup(key, &[(n1, v1.into()), (n2, v2.into())], false)
    }
    #[allow(clippy::too_many_arguments)]
    pub fn t3<'a, 'b, 'c>(
        &self,
        key: &str,
        n1: &str,
        v1: impl Into<Arg<'a>>,
        n2: &str,
        v2: impl Into<Arg<'b>>,
        n3: &str,
        v3: impl Into<Arg<'c>>,
    ) -> String {
        self.lookup(key, &[(n1, v1.into()), (n2, v2.into()), (n3, v3.into())], false)
    }
    /// A message that carries markup (its key ends in `-html`): text
    /// arguments are escaped, so the result is safe to write unescaped.
    pub fn h(&self, key: &str) -> String {
        self.lookup(key, &[], true)
    }
    pub fn h1<'a>(&self, key: &str, name: &str, v: impl Into<Arg<'a>>) -> String {
        self.lookup(key, &[(name, v.into())], true)
    }
    pub fn h2<'a, 'b>(&self, key: &str, n1: &str, v1: impl Into<Arg<'a>>, n2: &str, v2: impl Into<Arg<'b>>) -> String {
        self.lookup(key, &[(n1, v1.into()), (n2, v2.into())], true)
    }
    /// "Call {clinic}" or, with a number, "Call {clinic} on {phone link}":
    /// messages `key` and `key-phone-html`. HTML.
    pub fn call_clinic(&self, key: &str, clinic: &str, phone: &str) -> String {
        if phone.is_empty() {
            escape(&self.t1(key, "clinic", clinic))
        } else {
            self.h2(&format!("{key}-phone-html"), "clinic", clinic, "phone", self.tel(phone))
        }
    }
    #[allow(clippy::too_many_arguments)]
    pub fn h3<'a, 'b, 'c>(
        &self,
        key: &str,
        n1: &str,
        v1: impl Into<Arg<'a>>,
        n2: &str,
        v2: impl Into<Arg<'b>>,
        n3: &str,
        v3: impl Into<Arg<'c>>,
    ) -> String {
        self.lookup(key, &[(n1, v1.into()), (n2, v2.into()), (n3, v3.into())], true)
    }
    /// A telephone link, for a `-html` message's argument.
    pub fn tel(&self, phone: &str) -> Arg<'static> {
        let p = escape(phone);
        Arg::Html(format!(r#"<a href="tel:{p}">{p}</a>"#))
    }

    /// Words the domain wrote: English from the domain, else the catalogue.
    pub fn words(&self, w: impl AsWords) -> String {
        let w = w.as_words();
        match self.lang {
            Lang::En => w.en.to_string(),
            _ => self.t(w.key),
        }
    }
    /// A message kept with its key (`FieldErrors::entry`): English as
    /// written, else the catalogue's; a message without a key is shown as
    /// it is (it was written in the reader's language already).
    pub fn keyed(&self, key: Option<&str>, en: &str) -> String {
        match (self.lang, key) {
            (Lang::En, _) | (_, None) => en.to_string(),
            (_, Some(k)) => self.t(k),
        }
    }
    fn domain(&self, en: &str, key: impl FnOnce() -> String) -> String {
        match self.lang {
            Lang::En => en.to_string(),
            _ => self.t(&key()),
        }
    }

    // --- The question catalogue (domain keys `q-<id>...`). ---

    /// A question's label (legend or tick-box label).
    pub fn label(&self, q: &Question) -> String {
        self.domain(q.label, || question_key(q, ""))
    }
    pub fn hint(&self, q: &Question) -> String {
        if q.hint.is_empty() {
            return String::new();
        }
        self.domain(q.hint, || question_key(q, "-hint"))
    }
    /// The words at both ends of a 0–10 scale.
    pub fn ends(&self, q: &Question) -> Option<(String, String)> {
        q.ends().map(|(low, high)| {
            (
                self.domain(low, || question_key(q, "-low")),
                self.domain(high, || question_key(q, "-high")),
            )
        })
    }
    /// An option's label as the form shows it.
    pub fn option(&self, q: &Question, o: &Opt) -> String {
        match option_key(q, o) {
            None => o.label.to_string(),
            Some(key) => self.domain(o.label, || key),
        }
    }
    /// One thing the patient reported, in words.
    pub fn said(&self, s: &Said) -> String {
        match *s {
            Said::Tick(q) => self.label(q),
            Said::Choice(q, o) => match o.reported {
                Some(en) => self.domain(en, || question_key(q, &format!("-said-{}", o.value))),
                None => self.option(q, o),
            },
            Said::Temperature(t) => self.t2(
                "said-temperature",
                "celsius",
                self.decimal(t.celsius()),
                "fahrenheit",
                self.decimal(t.fahrenheit()),
            ),
            Said::Scale(q, n) => self.t2("said-scale", "question", self.label(q), "score", n),
            Said::Level(q, n) => self.t2("said-level", "question", self.label(q), "level", self.level(n)),
        }
    }
    /// Several things reported, as one list in a sentence.
    pub fn said_list(&self, all: &[Said]) -> String {
        all.iter().map(|s| self.said(s)).collect::<Vec<_>>().join("; ")
    }

    // --- Other domain words. ---

    /// "none", "mild", "moderate", "severe".
    pub fn level(&self, n: u8) -> String {
        self.t(&format!("level-{}", n.min(3)))
    }
    /// "getting better", "about the same", "getting worse".
    pub fn overall(&self, o: Overall) -> String {
        self.t(&format!("overall-{}", o.as_str()))
    }
    /// A procedure's plain name ("fully ablative CO2 laser").
    pub fn procedure(&self, p: ProcedureClass) -> String {
        self.domain(p.label(), || format!("procedure-{}", p.as_str()))
    }

    // --- Numbers and dates. ---

    /// A number with at most one decimal, with the language's decimal
    /// separator (the catalogue's `decimal-separator`).
    pub fn decimal(&self, v: f64) -> String {
        let s = format!("{v:.1}");
        let s = s.strip_suffix(".0").map(str::to_string).unwrap_or(s);
        s.replace('.', &self.t("decimal-separator"))
    }
    /// "Monday 2 March 2026" / "lunes, 2 de marzo de 2026".
    pub fn long_date(&self, d: NaiveDate) -> String {
        self.date("date-long", d, false)
    }
    /// "Monday 2 March" / "lunes, 2 de marzo".
    pub fn date_no_year(&self, d: NaiveDate) -> String {
        self.date("date-no-year", d, false)
    }
    /// "Mon 2 Mar" / "lun 2 mar".
    pub fn short_date(&self, d: NaiveDate) -> String {
        self.date("date-short", d, true)
    }
    fn date(&self, key: &str, d: NaiveDate, short: bool) -> String {
        let short = if short { "-short" } else { "" };
        let weekday = self.t(&format!("weekday{short}-{}", d.weekday().num_days_from_monday() + 1));
        let month = self.t(&format!("month{short}-{}", d.month()));
        // The day and year are plain digits in both languages (no grouping).
        self.lookup(
            key,
            &[
                ("weekday", Arg::from(weekday)),
                ("day", Arg::from(d.day().to_string())),
                ("month", Arg::from(month)),
                ("year", Arg::from(d.year().to_string())),
            ],
            false,
        )
    }
}

/// A one-time link (`…?token=…`) that opens its page in `lang`.
pub fn with_lang(link: &str, lang: Lang) -> String {
    let sep = if link.contains('?') { '&' } else { '?' };
    format!("{link}{sep}lang={}", lang.as_str())
}

/// `q-<id><suffix>`: a question's domain key.
pub fn question_key(q: &Question, suffix: &str) -> String {
    format!("q-{}{suffix}", q.id)
}

/// The key of an option's label; `None` for a plain number (0–10 scale).
pub fn option_key(q: &Question, o: &Opt) -> Option<String> {
    if q.ends().is_some() {
        None
    } else if q.is_level() {
        Some(format!("level-label-{}", o.value))
    } else {
        Some(question_key(q, &format!("-{}", o.value)))
    }
}

/// The language a request asks for in its `Accept-Language` header: the
/// first supported one by preference (`q=`), else English.
pub fn from_accept_language(header: &str) -> Lang {
    let mut tags: Vec<(f32, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut bits = part.split(';');
            let tag = bits.next()?.trim();
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (!tag.is_empty() && q > 0.0).then_some((q, i, tag))
        })
        .collect();
    // Highest q first; equal q keep the header's order.
    tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.iter()
        .find_map(|(_, _, tag)| {
            let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
            Lang::parse(&primary).ok()
        })
        .unwrap_or(Lang::En)
}
