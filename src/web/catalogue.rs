//! The catalogues as data, for the completeness checks (unit tests here and
//! the integration tests over HTTP): every key of every language, and every
//! domain key with its English. It walks the words of every layer (the date
//! messages of `app::checkin` included), so nothing but tests calls it.

use crate::domain::questions::{self, Presence, QUESTIONS};
use crate::domain::{Advice, CheckInAnswers, Lang, ProcedureClass, Words};
use fluent_syntax::ast;
use std::collections::{BTreeMap, BTreeSet};

/// Every catalogue file, embedded exactly as the loader embeds it.
pub const SOURCES: &[(Lang, &str, &str)] = &[
    (Lang::En, "en/pages.ftl", include_str!("../../locales/en/pages.ftl")),
    (Lang::En, "en/email.ftl", include_str!("../../locales/en/email.ftl")),
    (Lang::Es, "es/pages.ftl", include_str!("../../locales/es/pages.ftl")),
    (Lang::Es, "es/email.ftl", include_str!("../../locales/es/email.ftl")),
    (Lang::Es, "es/domain.ftl", include_str!("../../locales/es/domain.ftl")),
];

/// The messages of `lang`: key → the pattern's literal text pieces (the
/// parts between placeables and selectors).
pub fn messages(lang: Lang) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (_, file, text) in SOURCES.iter().filter(|(l, ..)| *l == lang) {
        let res = fluent_syntax::parser::parse(*text).unwrap_or_else(|(_, errors)| panic!("{file}: {errors:?}"));
        for entry in res.body {
            if let ast::Entry::Message(m) = entry {
                let mut pieces = Vec::new();
                if let Some(p) = &m.value {
                    text_of(p, &mut pieces);
                }
                assert!(
                    out.insert(m.id.name.to_string(), pieces).is_none(),
                    "{file}: {} twice",
                    m.id.name
                );
            }
        }
    }
    out
}

fn text_of(p: &ast::Pattern<&str>, out: &mut Vec<String>) {
    let mut cur = String::new();
    for el in &p.elements {
        match el {
            ast::PatternElement::TextElement { value } => cur.push_str(value),
            ast::PatternElement::Placeable { expression } => {
                out.push(std::mem::take(&mut cur));
                if let ast::Expression::Select { variants, .. } = expression {
                    for v in variants {
                        text_of(&v.value, out);
                    }
                }
            }
        }
    }
    out.push(cur);
}

/// Every domain key with its English (see `i18n`'s module comment).
pub fn domain_words() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut add = |w: Words| {
        out.insert(w.key.to_string(), w.en.to_string());
    };
    for q in QUESTIONS {
        add(Words {
            key: leak(crate::i18n::question_key(q, "")),
            en: q.label,
        });
        if !q.hint.is_empty() {
            add(Words {
                key: leak(crate::i18n::question_key(q, "-hint")),
                en: q.hint,
            });
        }
        if let Some((low, high)) = q.ends() {
            add(Words {
                key: leak(crate::i18n::question_key(q, "-low")),
                en: low,
            });
            add(Words {
                key: leak(crate::i18n::question_key(q, "-high")),
                en: high,
            });
        }
        for o in q.options() {
            if let Some(key) = crate::i18n::option_key(q, o) {
                add(Words {
                    key: leak(key),
                    en: o.label,
                });
            }
            if let Some(r) = o.reported {
                add(Words {
                    key: leak(crate::i18n::question_key(q, &format!("-said-{}", o.value))),
                    en: r,
                });
            }
        }
        // Every message about a wrong answer: a value no question accepts, a
        // control character and an over-long note.
        for wrong in ["\u{7}", "not-an-answer", &"x".repeat(2001)] {
            if let Err(w) = (q.set)(&mut CheckInAnswers::calm(), wrong) {
                add(w);
            }
        }
        if let Presence::With { missing, .. } = q.presence {
            add(missing);
        }
    }
    for g in questions::FORM {
        if let Some(w) = g.heading().or(g.legend()) {
            add(w);
        }
    }
    for s in questions::SIGNS {
        add(s.words);
    }
    if let Err(w) = questions::SignsAnswer::parse("maybe") {
        add(w);
    }
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 14).unwrap_or_default();
    let treated = today - chrono::Duration::days(10);
    for raw in ["14/03/2026", "2026-03-15", "2026-03-01", "2026-03-05"] {
        if let Err(w) = crate::app::checkin::parse_checkin_date(raw, today, treated) {
            add(w);
        }
    }
    for a in Advice::ALL {
        add(a.message());
    }
    // Refusals a patient can meet on an error page.
    for w in [
        crate::web::session::FORM_UNREADABLE,
        crate::web::patient::photos::NOT_RECEIVED,
        crate::web::patient::home::CHOOSE_REMINDERS,
        crate::web::patient::home::CHOOSE_LANGUAGE,
        crate::app::photos::REMOVE_TOO_LATE,
    ] {
        add(w);
    }
    for p in ProcedureClass::ALL {
        for day in -1..=120 {
            add(crate::triage::what_is_normal(*p, day));
        }
        add(Words {
            key: leak(format!("procedure-{}", p.as_str())),
            en: p.label(),
        });
    }
    out
}

// The keys of `Words` are static; these few are built once per test run.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Every key `lang` must have: the English page keys, plus (for languages
/// other than English) every domain key.
pub fn required_keys(lang: Lang) -> BTreeSet<String> {
    let mut keys: BTreeSet<String> = messages(Lang::En).into_keys().collect();
    if lang != Lang::En {
        keys.extend(domain_words().into_keys());
    }
    keys
}

/// The English sentences a page in another language must not contain: the
/// literal pieces of the English catalogue and the domain's English, at
/// least three words long (shorter ones, like "Aftercare" or "No", are the
/// same in both languages or too short to tell).
pub fn english_sentences() -> BTreeSet<String> {
    let en = messages(Lang::En).into_values().flatten();
    en.chain(domain_words().into_values())
        .flat_map(|s| {
            s.split(['.', ':', ';', '?', '(', ')', '<', '>', '“', '”'])
                .map(|p| p.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|p| p.split_whitespace().count() >= 3)
        .collect()
}
