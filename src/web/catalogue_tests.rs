//! Completeness is checked, not hoped for: every key in every catalogue,
//! every key the code asks for, and the translator's plumbing.

use super::catalogue::{domain_words, messages, required_keys, SOURCES};
use crate::domain::questions::{self, Said};
use crate::domain::Lang;
use crate::i18n::*;
use std::collections::BTreeSet;

#[test]
fn every_language_has_exactly_the_keys_it_needs() {
    let domain: BTreeSet<String> = domain_words().into_keys().collect();
    let en: BTreeSet<String> = messages(Lang::En).into_keys().collect();
    // English domain words live beside their knowledge, not in en/*.ftl.
    let doubled: Vec<_> = en.intersection(&domain).collect();
    assert!(doubled.is_empty(), "English domain words also in en/*.ftl: {doubled:?}");
    for lang in Lang::ALL.iter().filter(|l| **l != Lang::En) {
        let have: BTreeSet<String> = messages(*lang).into_keys().collect();
        let need = required_keys(*lang);
        let missing: Vec<_> = need.difference(&have).collect();
        let extra: Vec<_> = have.difference(&need).collect();
        assert!(missing.is_empty(), "{lang}: missing {missing:?}");
        assert!(extra.is_empty(), "{lang}: keys no page uses {extra:?}");
    }
}

#[test]
fn a_key_in_one_catalogue_only_is_found() {
    // The check above on a doctored Spanish catalogue: one key dropped.
    let need = required_keys(Lang::Es);
    let mut have: BTreeSet<String> = messages(Lang::Es).into_keys().collect();
    have.remove("home-title");
    assert_eq!(need.difference(&have).collect::<Vec<_>>(), ["home-title"]);
}

#[test]
fn the_loader_finds_every_key_in_its_own_language() {
    for lang in Lang::ALL {
        let tr = Tr::new(*lang);
        for key in required_keys(*lang) {
            assert!(tr.has(&key), "{lang}: the embedded catalogue lacks {key}");
        }
    }
}

/// Every key the templates and the code name literally (`tr.t("key")`,
/// `tr.t1("key", ...)`, ...) is a page key of the English catalogue.
#[test]
fn every_key_the_code_names_exists() {
    let en: BTreeSet<String> = messages(Lang::En).into_keys().collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["templates", "src"] {
        walk(&root.join(dir), &mut files);
    }
    let mut named = 0;
    for f in files.into_iter().filter(|f| !f.ends_with("web/catalogue_tests.rs")) {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for call in [
            ".t(",
            ".t1(",
            ".t2(",
            ".t3(",
            ".h(",
            ".h1(",
            ".h2(",
            ".h3(",
            ".call_clinic(",
            ".lookup_args(",
        ] {
            for (i, _) in text.match_indices(call) {
                let rest = text[i + call.len()..].trim_start();
                let Some(rest) = rest.strip_prefix('"') else { continue };
                let key: String = rest.chars().take_while(|c| *c != '"').collect();
                if key.contains('{') || key.is_empty() {
                    continue;
                }
                named += 1;
                assert!(en.contains(&key), "{}: {key} is not in en/*.ftl", f.display());
                if call == ".call_clinic(" {
                    assert!(en.contains(&format!("{key}-phone-html")), "{key}-phone-html");
                }
            }
        }
    }
    assert!(named > 100, "only {named} keys found: the scan is broken");
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs" || x == "html" || x == "txt") {
            out.push(p);
        }
    }
}

#[test]
fn markup_only_in_html_keys() {
    for (lang, file, _) in SOURCES {
        for (key, pieces) in messages(*lang) {
            // Markup only where the template writes the message unescaped
            // (an -html key may also carry markup only in an argument).
            let tagged = pieces.iter().any(|p| p.contains('<'));
            assert!(!tagged || key.ends_with("-html"), "{file}: {key}");
        }
    }
}

#[test]
fn plurals_and_numbers_come_from_the_catalogue() {
    let en = Tr::EN;
    let es = Tr::new(Lang::Es);
    assert_eq!(en.t1("checkin-check-answers", "count", 1), "Please check this answer");
    assert_eq!(en.t1("checkin-check-answers", "count", 2), "Please check these answers");
    assert_eq!(
        es.t1("checkin-check-answers", "count", 1),
        "Por favor, revise esta respuesta"
    );
    assert_eq!(
        es.t1("checkin-other-days", "days", 1),
        "¿Se le pasó un día? Puede completar 1 día atrás:"
    );
    assert_eq!(en.decimal(37.5), "37.5");
    assert_eq!(es.decimal(37.5), "37,5");
    assert_eq!(es.decimal(38.0), "38");
    let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    assert_eq!(en.long_date(d), "Monday 2 March 2026");
    assert_eq!(es.long_date(d), "lunes, 2 de marzo de 2026");
    assert_eq!(en.short_date(d), "Mon 2 Mar");
    assert_eq!(es.short_date(d), "lun 2 mar");
}

#[test]
fn english_words_come_from_the_domain_and_others_from_the_catalogue() {
    let es = Tr::new(Lang::Es);
    assert_eq!(Tr::EN.label(&questions::PAIN), questions::PAIN.label);
    assert_eq!(
        es.ends(&questions::PAIN),
        Some(("0 = sin dolor".to_string(), "10 = el peor imaginable".to_string()))
    );
    assert_eq!(
        es.option(&questions::SWELLING, &questions::SWELLING.options()[3]),
        "3 – Mucho"
    );
    // A 0–10 option is a plain number in every language.
    assert_eq!(es.option(&questions::PAIN, &questions::PAIN.options()[7]), "7");
    assert_eq!(
        es.said(&Said::Scale(&questions::PAIN, 8)),
        "El peor ardor o dolor desde su último registro: 8 de 10"
    );
    let t = crate::domain::Temperature::parse("38.5").unwrap();
    assert_eq!(es.said(&Said::Temperature(t)), "Temperatura 38,5 °C (101,3 °F)");
    assert_eq!(Tr::EN.said(&Said::Temperature(t)), Said::Temperature(t).en());
}

#[test]
fn the_emergency_sentence_names_the_local_number_in_every_language() {
    assert!(Tr::EN.t("emergency-sentence").contains("local emergency number"));
    assert!(Tr::new(Lang::Es)
        .t("emergency-sentence")
        .contains("número de emergencias de su zona"));
    assert!(Tr::new(Lang::Es)
        .t("footer")
        .contains("número de emergencias de su zona"));
}

#[test]
fn every_warning_sign_reads_differently() {
    for lang in Lang::ALL {
        let tr = Tr::new(*lang);
        let mut seen = BTreeSet::new();
        for q in questions::QUESTIONS.iter().filter(|q| q.is_tick()) {
            assert!(seen.insert(tr.label(q)), "{lang}: {} reads like another sign", q.id);
        }
        // The short form's summary lines, among themselves.
        let mut seen = BTreeSet::new();
        for s in questions::SIGNS {
            assert!(
                seen.insert(tr.words(s.words)),
                "{lang}: {} reads like another",
                s.words.key
            );
        }
    }
}

#[test]
fn a_missing_key_shows_as_itself() {
    assert_eq!(Tr::new(Lang::Es).t("no-such-key"), "no-such-key");
}

#[test]
fn html_messages_escape_their_text() {
    let h = Tr::EN.h1("checkin-back-fill-html", "date", "<script>");
    assert!(h.contains("<strong>&lt;script&gt;</strong>"), "{h}");
    let c = Tr::EN.call_clinic("call-worried", "A & B", "+44 1 <2>");
    assert_eq!(
        c,
        "Worried? Call A &amp; B on <a href=\"tel:+44 1 &lt;2&gt;\">+44 1 &lt;2&gt;</a>."
    );
    assert_eq!(
        Tr::EN.call_clinic("call-worried", "A & B", ""),
        "Worried? Call A &amp; B."
    );
}

#[test]
fn accept_language_picks_the_first_supported() {
    assert_eq!(from_accept_language("es-MX,es;q=0.9,en;q=0.8"), Lang::Es);
    assert_eq!(from_accept_language("fr-FR, es;q=0.5, en;q=0.4"), Lang::Es);
    assert_eq!(from_accept_language("en-GB,es;q=0.9"), Lang::En);
    assert_eq!(from_accept_language("de, en;q=0.1, es;q=0.9"), Lang::Es);
    assert_eq!(from_accept_language("es;q=0, en"), Lang::En);
    assert_eq!(from_accept_language("fr"), Lang::En);
    assert_eq!(from_accept_language(""), Lang::En);
    assert_eq!(from_accept_language(";;,q=x, ES"), Lang::Es);
}
