//! The check-in questions (clinical reference section 4), each written once:
//! its form field name, the words the patient reads, the kind of answer, when
//! it is asked, which rules read it and its CSV column. The form, the
//! patient's "also reported" list, the clinician's summary, the parsing of a
//! submitted form and the CSV export are all generated from [`QUESTIONS`] and
//! [`FORM`].
//!
//! Adding a question: a field in [`CheckInAnswers`] (and its calm value), an
//! entry here (at the end of [`QUESTIONS`]: the CSV column order is a public
//! contract), a place in [`FORM`], a migration with the row mapping in
//! `db/checkins.rs`, and the rules that read it.

use super::checkin::*;
use super::procedure::Prescribed;
use super::Words;
use crate::words;
use std::collections::HashMap;

/// One option of a choice, as stored (`value`) and as the patient reads it.
pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
    /// What the patient's "also reported" list says when this option was
    /// chosen; `None`: not worth repeating (the calm answer).
    pub reported: Option<&'static str>,
}

const fn opt(value: &'static str, label: &'static str) -> Opt {
    Opt {
        value,
        label,
        reported: None,
    }
}

const fn said(value: &'static str, label: &'static str, reported: &'static str) -> Opt {
    Opt {
        value,
        label,
        reported: Some(reported),
    }
}

/// How a question is answered, and so how the form asks it.
pub enum Kind {
    /// 0 to 10, laid out as a grid of tap targets with words for both ends.
    Scale { low: &'static str, high: &'static str },
    /// 0 none, 1 mild, 2 moderate, 3 severe.
    Level,
    /// One of a few options (radio buttons).
    Choice(&'static [Opt]),
    /// A yes/no tick box.
    Tick,
    /// A body temperature typed in °C or °F.
    Temperature,
    /// Free text.
    Note,
}

/// When a question is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// On every check-in, daily and weekly.
    Daily,
    /// Only on the weekly check-ins (after day 14); unasked it reads as "no".
    Weekly,
}

impl Cadence {
    pub fn asked_on(self, kind: CheckInKind) -> bool {
        self == Cadence::Daily || kind == CheckInKind::Weekly
    }
}

/// Whether a question must be answered.
pub enum Presence {
    /// An empty answer is wrong (the question's own message says so).
    Required,
    /// An empty answer leaves the calm value (unticked, not measured, no note).
    Optional,
    /// Asked only when the tick box `tick` is ticked, and then required.
    With { tick: &'static str, missing: Words },
}

/// The stored value of a choice the patient was never asked (a value the
/// form does not offer): "None of these" answered the warning signs without
/// telling which option applies. Also its CSV cell.
pub const NOT_ASKED: &str = "not_asked";

/// A stored answer, as the summaries and the export read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer<'a> {
    Number(u8),
    Choice(Option<&'static str>),
    /// A choice the patient was not asked ([`NOT_ASKED`]): no answer at all,
    /// so never shown as one of the options.
    NotAsked,
    Tick(bool),
    Temperature(Option<Temperature>),
    Text(Option<&'a str>),
}

impl Answer<'_> {
    /// A stored choice: [`NOT_ASKED`] is [`Answer::NotAsked`].
    pub fn choice(v: &'static str) -> Self {
        if v == NOT_ASKED {
            Answer::NotAsked
        } else {
            Answer::Choice(Some(v))
        }
    }
    /// The CSV cell (before quoting).
    pub fn csv(&self) -> String {
        match self {
            Answer::Number(n) => n.to_string(),
            Answer::Choice(v) => v.unwrap_or_default().to_string(),
            Answer::NotAsked => NOT_ASKED.to_string(),
            Answer::Tick(b) => b.to_string(),
            Answer::Temperature(t) => t.map(|t| format!("{:.1}", t.celsius())).unwrap_or_default(),
            Answer::Text(s) => s.unwrap_or_default().to_string(),
        }
    }
}

/// One question of the check-in.
pub struct Question {
    /// The form field name: a public contract.
    pub id: &'static str,
    /// What the patient reads: a radio group's legend, a tick box's label.
    pub label: &'static str,
    pub hint: &'static str,
    /// The clinician's word for it, in summaries.
    pub short: &'static str,
    pub kind: Kind,
    pub cadence: Cadence,
    pub presence: Presence,
    /// The rules (section 5 ids) that read the answer.
    pub rules: &'static [&'static str],
    /// The CSV column: a public contract.
    pub column: &'static str,
    pub get: fn(&CheckInAnswers) -> Answer<'_>,
    /// Reads the submitted (trimmed) value into the answers, or says what is
    /// wrong with it.
    pub set: fn(&mut CheckInAnswers, &str) -> Result<(), Words>,
}

const ZERO_TO_TEN: &[Opt] = &[
    opt("0", "0"),
    opt("1", "1"),
    opt("2", "2"),
    opt("3", "3"),
    opt("4", "4"),
    opt("5", "5"),
    opt("6", "6"),
    opt("7", "7"),
    opt("8", "8"),
    opt("9", "9"),
    opt("10", "10"),
];
const LEVELS: &[Opt] = &[
    opt("0", "0 – None"),
    opt("1", "1 – Mild"),
    opt("2", "2 – Moderate"),
    opt("3", "3 – Severe"),
];

impl Question {
    /// The options a radio group offers (none for ticks, text and numbers).
    pub fn options(&self) -> &'static [Opt] {
        match self.kind {
            Kind::Scale { .. } => ZERO_TO_TEN,
            Kind::Level => LEVELS,
            Kind::Choice(o) => o,
            Kind::Tick | Kind::Temperature | Kind::Note => &[],
        }
    }
    /// The words for both ends of a 0–10 scale.
    pub fn ends(&self) -> Option<(&'static str, &'static str)> {
        match self.kind {
            Kind::Scale { low, high } => Some((low, high)),
            _ => None,
        }
    }
    /// Asked as radio buttons (scales, levels, choices).
    pub fn is_radio(&self) -> bool {
        matches!(self.kind, Kind::Scale { .. } | Kind::Level | Kind::Choice(_))
    }
    /// A 0–3 level (laid out in one row).
    pub fn is_level(&self) -> bool {
        matches!(self.kind, Kind::Level)
    }
    pub fn is_tick(&self) -> bool {
        matches!(self.kind, Kind::Tick)
    }
    pub fn is_temperature(&self) -> bool {
        matches!(self.kind, Kind::Temperature)
    }
    pub fn is_note(&self) -> bool {
        matches!(self.kind, Kind::Note)
    }
    /// The label of option `value` ("" when it is not one).
    pub fn label_of(&self, value: &str) -> &'static str {
        self.options()
            .iter()
            .find(|o| o.value == value)
            .map(|o| o.label)
            .unwrap_or("")
    }
    /// What the patient's "also reported" list says about this answer, if
    /// anything: a ticked box, a measured temperature, a notable choice.
    /// Scales and levels are charted instead; the note is shown as itself.
    pub fn reported(&'static self, a: &CheckInAnswers) -> Option<Said> {
        match (self.get)(a) {
            Answer::Tick(true) => Some(Said::Tick(self)),
            Answer::Temperature(Some(t)) => Some(Said::Temperature(t)),
            Answer::Choice(Some(v)) => self
                .options()
                .iter()
                .find(|o| o.value == v && o.reported.is_some())
                .map(|o| Said::Choice(self, o)),
            _ => None,
        }
    }
    /// The clinician's "other" column: ticked boxes and a measured
    /// temperature, in short words.
    pub fn noted(&self, a: &CheckInAnswers) -> Option<String> {
        // Only these kinds can be noted; the others need not be read (a
        // record page asks this of every question for every check-in).
        if !matches!(self.kind, Kind::Tick | Kind::Temperature) {
            return None;
        }
        match (self.get)(a) {
            Answer::Tick(true) => Some(self.short.to_string()),
            Answer::Temperature(Some(t)) => Some(format!("{:.1} °C", t.celsius())),
            _ => None,
        }
    }
}

fn scale(v: &str, max: u8, msg: Words) -> Result<u8, Words> {
    v.parse::<u8>().ok().filter(|n| *n <= max).ok_or(msg)
}

/// The catalogue key of a question's message about a wrong answer.
macro_rules! invalid {
    ($field:ident, $msg:expr) => {
        words!(concat!("q-", stringify!($field), "-invalid"), $msg)
    };
}

/// A tick box question: optional, reads as ticked or not.
macro_rules! tick {
    ($field:ident, $label:literal, $short:literal, $cadence:ident, [$($rule:literal),*]) => {
        Question {
            id: stringify!($field),
            label: $label,
            hint: "",
            short: $short,
            kind: Kind::Tick,
            cadence: Cadence::$cadence,
            presence: Presence::Optional,
            rules: &[$($rule),*],
            column: stringify!($field),
            get: |a| Answer::Tick(a.$field),
            set: |a, v| {
                a.$field = is_checked(v);
                Ok(())
            },
        }
    };
}

/// A required radio group of a `text_enum!` type.
macro_rules! choice {
    ($field:ident: $ty:ident, $label:literal, $hint:literal, $short:literal, $options:expr, $msg:literal, [$($rule:literal),*]) => {
        Question {
            id: stringify!($field),
            label: $label,
            hint: $hint,
            short: $short,
            kind: Kind::Choice($options),
            cadence: Cadence::Daily,
            presence: Presence::Required,
            rules: &[$($rule),*],
            column: stringify!($field),
            get: |a| Answer::choice(a.$field.as_str()),
            set: |a, v| {
                a.$field = $ty::parse(v).map_err(|_| invalid!($field, $msg))?;
                Ok(())
            },
        }
    };
}

/// A required 0–`max` number (a scale or a level).
macro_rules! number {
    ($field:ident, $kind:expr, $max:literal, $label:literal, $short:literal, $msg:literal, [$($rule:literal),*]) => {
        Question {
            id: stringify!($field),
            label: $label,
            hint: "",
            short: $short,
            kind: $kind,
            cadence: Cadence::Daily,
            presence: Presence::Required,
            rules: &[$($rule),*],
            column: stringify!($field),
            get: |a| Answer::Number(a.$field),
            set: |a, v| {
                a.$field = scale(v, $max, invalid!($field, $msg))?;
                Ok(())
            },
        }
    };
}

pub static OVERALL: Question = choice!(
    overall: Overall,
    "Overall, since your last check-in, is your skin",
    "",
    "overall",
    &[
        opt("better", "Getting better"),
        opt("same", "About the same"),
        opt("worse", "Getting worse"),
    ],
    "Choose better, the same or worse",
    ["R7", "R13"]
);
pub static PAIN: Question = number!(
    pain,
    Kind::Scale {
        low: "0 = no pain",
        high: "10 = worst imaginable"
    },
    10,
    "The worst burning or pain since your last check-in",
    "pain",
    "Choose how bad the worst burning or pain was, from 0 to 10",
    ["U5", "U6", "U7", "R2", "R7", "R9"]
);
pub static PAIN_RELIEF: Question = choice!(
    pain_relief: PainRelief,
    "Does pain medicine help?",
    "",
    "pain relief",
    &[
        opt("yes", "Yes, it helps"),
        said("no", "No, it does not help", "Pain medicine does not help"),
        opt("not_taking", "I am not taking any"),
    ],
    "Say whether pain medicine helps",
    ["U6"]
);
pub static ITCH: Question = number!(
    itch,
    Kind::Scale {
        low: "0 = no itch",
        high: "10 = worst imaginable"
    },
    10,
    "The worst itch since your last check-in",
    "itch",
    "Choose how bad the worst itch was, from 0 to 10",
    ["R5", "R7"]
);
pub static SWELLING: Question = number!(
    swelling,
    Kind::Level,
    3,
    "How swollen is the treated skin?",
    "swelling",
    "Choose how swollen, from 0 (none) to 3 (severe)",
    ["U7", "U8", "R3"]
);
pub static EYES_SWOLLEN_SHUT: Question = tick!(
    eyes_swollen_shut,
    "My eyes are swollen shut or hard to open",
    "eyes swollen shut",
    Daily,
    ["U8"]
);
pub static REDNESS: Question = number!(
    redness,
    Kind::Level,
    3,
    "How red is the treated skin?",
    "redness",
    "Choose how red, from 0 (none) to 3 (severe)",
    ["R4"]
);
pub static REDNESS_SPREADING: Question = tick!(
    redness_spreading,
    "The redness is spreading beyond the treated area, or there are red streaks",
    "redness spreading",
    Daily,
    ["U7"]
);
pub static OOZING: Question = choice!(
    oozing: Oozing,
    "Is anything oozing or weeping from the skin?",
    "",
    "oozing",
    &[
        opt("none", "No"),
        said("clear", "Thin, clear or yellow liquid", "Oozing: thin, clear or yellow liquid"),
        said(
            "pus",
            "Thick, cloudy or green, or it smells bad",
            "Oozing: thick, cloudy or green, or it smells bad"
        ),
    ],
    "Choose what oozing you have, or none",
    ["U2", "R1"]
);
pub static CRUSTS: Question = choice!(
    crusts: Crusts,
    "Are there crusts or scabs?",
    "",
    "crusts",
    &[
        opt("none", "No"),
        said("thin", "Thin, brown crusts", "Crusts: thin, brown crusts"),
        said(
            "yellow",
            "Thick, yellow or honey-coloured crusts",
            "Crusts: thick, yellow or honey-coloured crusts"
        ),
    ],
    "Choose what crusts you have, or none",
    ["U2"]
);
pub static BLISTERS: Question = tick!(
    blisters,
    "Blisters, or clusters of small sores",
    "blisters",
    Daily,
    ["U3", "R1"]
);
pub static TINGLING: Question = tick!(tingling, "Tingling, or a cold-sore feeling", "tingling", Daily, ["U3"]);
pub static PIMPLES: Question = tick!(pimples, "Whiteheads or pimples", "pimples", Daily, ["R7"]);
pub static WHITE_PATCHES: Question = tick!(white_patches, "White patches", "white patches", Daily, ["R5"]);
pub static RASH_OUTSIDE: Question = tick!(
    rash_outside,
    "A rash outside the treated area",
    "rash outside area",
    Daily,
    ["U10", "R6"]
);
pub static RAW_AREA: Question = tick!(raw_area, "A raw area that is not healing", "raw area", Daily, ["R2"]);
pub static LIP_SWELLING_OR_BREATHING: Question = tick!(
    lip_swelling_or_breathing,
    "Swelling of the lips or tongue, or trouble breathing",
    "lip swelling or breathing trouble",
    Daily,
    ["U10"]
);
pub static FEVER: Question = tick!(
    fever,
    "I have a fever, or I feel hot and shivery",
    "feels feverish",
    Daily,
    ["U1"]
);
pub static TEMPERATURE: Question = Question {
    id: "temperature",
    label: "Your temperature, if you measured it (optional)",
    hint: "In °C, like 37.5, or in °F, like 99.5.",
    short: "temperature",
    kind: Kind::Temperature,
    cadence: Cadence::Daily,
    presence: Presence::Optional,
    rules: &["U1"],
    column: "temperature_c",
    get: |a| Answer::Temperature(a.temperature),
    set: |a, v| {
        a.temperature = Some(Temperature::parse(v).map_err(|m| invalid!(temperature, m))?);
        Ok(())
    },
};
pub static VISION_CHANGE: Question = tick!(
    vision_change,
    "A change in my vision",
    "vision change",
    Daily,
    ["U4", "R9"]
);
pub static EYE_PAIN: Question = tick!(
    eye_pain,
    "Eye pain, or light hurts my eyes",
    "eye pain",
    Daily,
    ["U4", "R9"]
);
pub static CANNOT_CLOSE_EYE: Question = tick!(
    cannot_close_eye,
    "I cannot close my eye fully",
    "cannot close eye",
    Daily,
    ["R9"]
);
pub static LID_PULLING: Question = tick!(
    lid_pulling,
    "My lower eyelid is pulling down, or my eye waters all the time",
    "lid pulling",
    Daily,
    ["R9"]
);
pub static BLEEDING: Question = tick!(bleeding, "Bleeding that will not stop", "bleeding", Daily, ["U9"]);
pub static WANT_CALL: Question = tick!(
    want_call,
    "I would like a call from the clinic",
    "wants a call",
    Daily,
    ["U9"]
);
pub static PROPHYLAXIS: Question = choice!(
    prophylaxis: Prophylaxis,
    "Tablets the clinic gave you to prevent infection or cold sores",
    "For example an antiviral or an antibiotic.",
    "prophylaxis",
    &[
        opt("taken", "I took them as prescribed"),
        said("missed", "I missed a dose", "Missed a dose of the preventive tablets"),
        opt("not_prescribed", "I was not given any"),
    ],
    "Say whether you took your prescribed tablets",
    ["R12"]
);
pub static DARK_PATCHES: Question = tick!(dark_patches, "Darker patches of skin", "dark patches", Weekly, ["R10"]);
pub static LIGHT_PATCHES: Question = tick!(
    light_patches,
    "Lighter or white patches of skin",
    "light patches",
    Weekly,
    ["R11"]
);
pub static RAISED_AREA: Question = tick!(
    raised_area,
    "A raised, firm or tight area",
    "raised area",
    Weekly,
    ["R8"]
);
pub static RAISED_AREA_SITE: Question = Question {
    id: "raised_area_site",
    label: "If so, where is it?",
    hint: "",
    short: "raised area site",
    kind: Kind::Choice(&[
        opt("neck", "Neck"),
        opt("jawline", "Jawline"),
        opt("eyelid", "Eyelid"),
        opt("other", "Somewhere else"),
    ]),
    cadence: Cadence::Weekly,
    presence: Presence::With {
        tick: "raised_area",
        missing: words!(
            "q-raised_area_site-missing",
            "Say where the raised, firm or tight area is"
        ),
    },
    rules: &["R8"],
    column: "raised_area_site",
    get: |a| Answer::Choice(a.raised_area_site.map(|s| s.as_str())),
    set: |a, v| {
        a.raised_area_site = Some(
            RaisedAreaSite::parse(v)
                .map_err(|_| invalid!(raised_area_site, "Choose neck, jawline, eyelid or other"))?,
        );
        Ok(())
    },
};
pub static NOTE: Question = Question {
    id: "note",
    label: "Anything you want to tell the clinic (optional)",
    hint: "Up to 2000 characters. If it is urgent, call the clinic instead.",
    short: "note",
    kind: Kind::Note,
    cadence: Cadence::Daily,
    presence: Presence::Optional,
    rules: &[],
    column: "note",
    get: |a| Answer::Text(a.note.as_deref()),
    set: |a, v| {
        if v.chars().count() > NOTE_MAX_CHARS {
            return Err(words!(
                "q-note-too-long",
                "Your note is too long: keep it under 2000 characters"
            ));
        }
        if super::text::check_note(v).is_err() {
            return Err(words!(
                "q-note-bad-characters",
                "Your note has characters that cannot be saved: remove the invisible control characters (often pasted from another program) and try again"
            ));
        }
        a.note = Some(v.to_string());
        Ok(())
    },
};

/// The form's version: raise it when a question, an option or a label
/// changes. FHIR publishes the Questionnaire under it, and every exported
/// response names the version it answered.
/// 2: pain relief is no longer required (the short form's "None of these"
/// leaves it not asked).
pub const FORM_VERSION: &str = "2";

/// Every question, in the CSV export's column order (a public contract: a
/// new question goes at the end).
pub static QUESTIONS: &[&Question] = &[
    &OVERALL,
    &PAIN,
    &PAIN_RELIEF,
    &ITCH,
    &SWELLING,
    &EYES_SWOLLEN_SHUT,
    &REDNESS,
    &REDNESS_SPREADING,
    &OOZING,
    &CRUSTS,
    &BLISTERS,
    &TINGLING,
    &PIMPLES,
    &WHITE_PATCHES,
    &RASH_OUTSIDE,
    &RAW_AREA,
    &LIP_SWELLING_OR_BREATHING,
    &FEVER,
    &TEMPERATURE,
    &VISION_CHANGE,
    &EYE_PAIN,
    &CANNOT_CLOSE_EYE,
    &LID_PULLING,
    &BLEEDING,
    &WANT_CALL,
    &PROPHYLAXIS,
    &DARK_PATCHES,
    &LIGHT_PATCHES,
    &RAISED_AREA,
    &RAISED_AREA_SITE,
    &NOTE,
];

/// How a group of questions is set out on the form.
pub enum Frame {
    /// The questions alone.
    Bare,
    /// Under a heading.
    Heading(Words),
    /// In a fieldset with this legend.
    Fieldset(Words),
}

/// Questions asked together on the form.
pub struct Group {
    pub frame: Frame,
    pub questions: &'static [&'static Question],
}

impl Group {
    pub fn heading(&self) -> Option<Words> {
        match self.frame {
            Frame::Heading(h) => Some(h),
            _ => None,
        }
    }
    pub fn legend(&self) -> Option<Words> {
        match self.frame {
            Frame::Fieldset(l) => Some(l),
            _ => None,
        }
    }
    /// The group's questions asked on a `kind` check-in.
    pub fn asked_on(&self, kind: CheckInKind) -> Vec<&'static Question> {
        self.questions
            .iter()
            .copied()
            .filter(|q| q.cadence.asked_on(kind))
            .collect()
    }
}

/// The form, top to bottom.
pub static FORM: &[Group] = &[
    Group {
        frame: Frame::Bare,
        questions: &[&OVERALL],
    },
    Group {
        frame: Frame::Heading(words!("group-pain", "Pain and itch")),
        questions: &[&PAIN, &PAIN_RELIEF, &ITCH],
    },
    Group {
        frame: Frame::Heading(words!("group-swelling", "Swelling and redness")),
        questions: &[&SWELLING, &EYES_SWOLLEN_SHUT, &REDNESS, &REDNESS_SPREADING],
    },
    Group {
        frame: Frame::Heading(words!("group-oozing", "Oozing and crusts")),
        questions: &[&OOZING, &CRUSTS],
    },
    Group {
        frame: Frame::Fieldset(words!("group-new", "Anything new? Tick all that you have")),
        questions: &[
            &BLISTERS,
            &TINGLING,
            &PIMPLES,
            &WHITE_PATCHES,
            &RASH_OUTSIDE,
            &RAW_AREA,
            &LIP_SWELLING_OR_BREATHING,
        ],
    },
    Group {
        frame: Frame::Fieldset(words!("group-fever", "Fever")),
        questions: &[&FEVER, &TEMPERATURE],
    },
    Group {
        frame: Frame::Fieldset(words!("group-eyes", "Eyes: tick any you have")),
        questions: &[&VISION_CHANGE, &EYE_PAIN, &CANNOT_CLOSE_EYE, &LID_PULLING],
    },
    Group {
        frame: Frame::Fieldset(words!("group-skin", "Changes in your skin: tick any you have")),
        questions: &[&DARK_PATCHES, &LIGHT_PATCHES, &RAISED_AREA, &RAISED_AREA_SITE],
    },
    Group {
        frame: Frame::Bare,
        questions: &[&PROPHYLAXIS],
    },
    Group {
        frame: Frame::Fieldset(words!("group-else", "Anything else")),
        questions: &[&BLEEDING, &WANT_CALL],
    },
    Group {
        frame: Frame::Bare,
        questions: &[&NOTE],
    },
];

/// The last day after treatment on which a missed preventive dose matters
/// (rule R12); after it the form does not ask about the tablets.
pub const PROPHYLAXIS_LAST_DAY: i64 = 10;

/// The questions of the short form's first step: what every patient answers
/// every day. Everything else sits behind one of the [`SIGNS`].
pub static FIRST_STEP: &[&Question] = &[&OVERALL, &PAIN, &ITCH, &SWELLING, &REDNESS];

/// One line of the short form's summary of warning signs, in plain words,
/// standing for the questions the second step asks about it.
pub struct Sign {
    pub words: Words,
    pub questions: &'static [&'static Question],
    /// Listed only up to this day after treatment.
    pub until_day: Option<i64>,
}

/// A line listed on every day.
const fn sign(words: Words, questions: &'static [&'static Question]) -> Sign {
    Sign {
        words,
        questions,
        until_day: None,
    }
}

impl Sign {
    /// Whether this line is listed on day `day` of a `kind` check-in.
    pub fn listed_on(&self, kind: CheckInKind, day: i64) -> bool {
        self.questions.iter().any(|q| q.cadence.asked_on(kind)) && self.until_day.is_none_or(|last| day <= last)
    }
}

/// The summary the short form asks about with one answer, "None of these" or
/// "Yes, some of these". Every question not on [`FIRST_STEP`] is behind
/// exactly one line, so none of them disappears.
pub static SIGNS: &[Sign] = &[
    sign(
        words!("sign-eyes", "Eyes swollen shut, or redness spreading or red streaks"),
        &[&EYES_SWOLLEN_SHUT, &REDNESS_SPREADING],
    ),
    sign(words!("sign-pain-relief", "Pain medicine not helping"), &[&PAIN_RELIEF]),
    sign(
        words!("sign-oozing", "Any oozing, weeping or crusts"),
        &[&OOZING, &CRUSTS],
    ),
    sign(
        words!(
            "sign-spots",
            "Blisters, sores, tingling, pimples, white patches, a rash or a raw area"
        ),
        &[&BLISTERS, &TINGLING, &PIMPLES, &WHITE_PATCHES, &RASH_OUTSIDE, &RAW_AREA],
    ),
    sign(
        words!("sign-breathing", "Swollen lips or tongue, or trouble breathing"),
        &[&LIP_SWELLING_OR_BREATHING],
    ),
    sign(
        words!("sign-fever", "A fever, or feeling hot and shivery"),
        &[&FEVER, &TEMPERATURE],
    ),
    sign(
        words!(
            "sign-eye-trouble",
            "Eye trouble: your vision, eye pain, light hurting, closing the eye, the lower lid"
        ),
        &[&VISION_CHANGE, &EYE_PAIN, &CANNOT_CLOSE_EYE, &LID_PULLING],
    ),
    sign(
        words!(
            "sign-patches",
            "Darker or lighter patches, or a raised, firm or tight area"
        ),
        &[&DARK_PATCHES, &LIGHT_PATCHES, &RAISED_AREA, &RAISED_AREA_SITE],
    ),
    Sign {
        words: words!("sign-missed-dose", "A missed dose of the tablets the clinic gave you"),
        questions: &[&PROPHYLAXIS],
        until_day: Some(PROPHYLAXIS_LAST_DAY),
    },
    sign(words!("sign-bleeding", "Bleeding that will not stop"), &[&BLEEDING]),
    sign(
        words!(
            "sign-call",
            "You would like a call, or want to tell the clinic something"
        ),
        &[&WANT_CALL, &NOTE],
    ),
];

/// The questions behind the warning signs (the second step).
pub fn behind_signs() -> impl Iterator<Item = &'static Question> {
    SIGNS.iter().flat_map(|s| s.questions.iter().copied())
}

/// The patient's short-form summary of the warning signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignsAnswer {
    None,
    Some,
}

impl SignsAnswer {
    /// The optional `signs` field: absent is `Ok(None)` (a client that sends
    /// the full form), anything but `none`/`some` is wrong.
    pub fn parse(v: &str) -> Result<Option<Self>, Words> {
        match v.trim() {
            "" => Ok(None),
            "none" => Ok(Some(Self::None)),
            "some" => Ok(Some(Self::Some)),
            _ => Err(words!(
                "checkin-signs-invalid",
                "Choose “None of these” or “Yes, some of these”"
            )),
        }
    }
}

/// What a submitted form says behind the warning signs, in the patient's
/// words: every ticked box and every notable choice (a measured temperature
/// and a note are not signs by themselves).
pub fn signs_reported(form: &std::collections::HashMap<String, String>) -> Vec<Said> {
    behind_signs()
        .filter(|q| !q.is_temperature() && !q.is_note())
        .filter_map(|q| {
            let v = form.get(q.id).map(|s| s.trim()).unwrap_or("");
            let mut a = CheckInAnswers::calm();
            if v.is_empty() || (q.set)(&mut a, v).is_err() {
                return None;
            }
            q.reported(&a)
        })
        .collect()
}

/// Whether the form carries any answer behind the warning signs at all.
pub fn any_behind_signs(form: &std::collections::HashMap<String, String>) -> bool {
    behind_signs().any(|q| form.get(q.id).is_some_and(|v| !v.trim().is_empty()))
}

/// The form values that stand for `a` (to fill a form in again). A question
/// not asked has none: the patient never chose an option.
pub fn values_of(a: &CheckInAnswers) -> std::collections::HashMap<String, String> {
    QUESTIONS
        .iter()
        .filter_map(|q| {
            let v = match (q.get)(a) {
                Answer::Tick(false) | Answer::NotAsked => return None,
                Answer::Tick(true) => "yes".to_string(),
                other => other.csv(),
            };
            (!v.is_empty()).then(|| (q.id.to_string(), v))
        })
        .collect()
}

/// After "None of these": what it says of every required question behind
/// the signs, where the form left it out. Ticks left out already read as
/// "no". Each sign, answered "None":
/// - "any oozing, weeping or crusts": oozing none, crusts none;
/// - "a missed dose of the tablets the clinic gave you": none missed, so
///   taken as prescribed when the clinic prescribed any (`prescribed`, the
///   treatment's record), else not prescribed;
/// - "pain medicine not helping": only that it is not "no, it does not
///   help", which leaves "yes" and "not taking" open: stored as not asked
///   ([`PainRelief::NotAsked`]) rather than a guess shown as the patient's
///   answer (U6 reads only "no").
pub fn fill_calm_behind_signs(form: &mut std::collections::HashMap<String, String>, prescribed: Prescribed) {
    let calm = what_none_says(prescribed);
    for q in behind_signs().filter(|q| matches!(q.presence, Presence::Required)) {
        let v = form.entry(q.id.to_string()).or_default();
        if v.trim().is_empty() {
            *v = (q.get)(&calm).csv();
        }
    }
}

/// The answers "None of these" stands for (see [`fill_calm_behind_signs`]).
fn what_none_says(prescribed: Prescribed) -> CheckInAnswers {
    let mut calm = CheckInAnswers::calm();
    calm.pain_relief = PainRelief::NotAsked;
    if prescribed.any() {
        calm.prophylaxis = Prophylaxis::Taken;
    }
    calm
}

impl Question {
    /// Whether a stored check-in may hold no answer to this required
    /// question: "None of these" leaves it not asked.
    pub fn may_go_unasked(&self) -> bool {
        behind_signs().any(|q| q.id == self.id)
            && (self.get)(&what_none_says(Prescribed::default())) == Answer::NotAsked
    }
}

/// One thing the patient reported, to be put into words in the patient's
/// language (`i18n::Tr::said`; `Said::en` is the English).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Said {
    /// A ticked box: its label.
    Tick(&'static Question),
    /// A notable choice: the option's "reported" words.
    Choice(&'static Question, &'static Opt),
    /// A measured temperature.
    Temperature(Temperature),
    /// A 0–10 score above 0.
    Scale(&'static Question, u8),
    /// A 0–3 level above 0.
    Level(&'static Question, u8),
}

impl Said {
    /// The English words (the catalogue's own language).
    pub fn en(&self) -> String {
        match *self {
            Said::Tick(q) => q.label.to_string(),
            Said::Choice(_, o) => o.reported.unwrap_or(o.label).to_string(),
            Said::Temperature(t) => format!("Temperature {} °C ({} °F)", t.celsius(), t.fahrenheit()),
            Said::Scale(q, n) => format!("{}: {n} out of 10", q.label),
            Said::Level(q, n) => format!("{} {}", q.label, q.label_of(&n.to_string())),
        }
    }
}

impl PartialEq for Question {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl std::fmt::Debug for Question {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

impl PartialEq for Opt {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl std::fmt::Debug for Opt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.value)
    }
}

/// What the patient reported that the rules `rules` read (the urgent result
/// page's reasons). Without rules: everything notable they reported.
pub fn in_own_words(a: &CheckInAnswers, rules: &[&str]) -> Vec<Said> {
    QUESTIONS
        .iter()
        .copied()
        .filter(|q| rules.is_empty() || q.rules.iter().any(|r| rules.contains(r)))
        .filter_map(|q| match (q.get)(a) {
            Answer::Number(0) => None,
            Answer::Number(n) if q.ends().is_some() => Some(Said::Scale(q, n)),
            Answer::Number(n) => Some(Said::Level(q, n)),
            _ => q.reported(a),
        })
        .collect()
}

/// The question with form field name `id`.
pub fn question(id: &str) -> Option<&'static Question> {
    QUESTIONS.iter().copied().find(|q| q.id == id)
}

/// The questions in the order the form asks them.
pub fn in_form_order() -> impl Iterator<Item = &'static Question> {
    FORM.iter().flat_map(|g| g.questions.iter().copied())
}

/// The patient's "also reported" list: everything beyond the charted scales.
pub fn reported(a: &CheckInAnswers) -> Vec<Said> {
    QUESTIONS.iter().filter_map(|q| q.reported(a)).collect()
}

/// The clinician's "other" list: ticked boxes and a measured temperature.
pub fn noted(a: &CheckInAnswers) -> Vec<String> {
    QUESTIONS.iter().filter_map(|q| q.noted(a)).collect()
}

// Parsing lives beside the catalogue it walks, so the answers type does not
// import the catalogue (which reads and writes the answers).
impl CheckInAnswers {
    /// Parses the submitted form, question by question of the catalogue.
    /// `kind` decides whether the weekly-only questions are read (on a daily
    /// check-in they are ignored). Returns every problem at once, keyed by
    /// field name, so the form can show each next to its field.
    pub fn from_form(form: &HashMap<String, String>, kind: CheckInKind) -> Result<Self, FieldErrors> {
        let get = |k: &str| form.get(k).map(|s| s.as_str()).unwrap_or("").trim();
        let mut answers = Self::calm();
        let mut errors = FieldErrors::default();
        for q in QUESTIONS.iter().filter(|q| q.cadence.asked_on(kind)) {
            let v = get(q.id);
            let asked = match q.presence {
                Presence::Required => true,
                Presence::Optional => !v.is_empty(),
                Presence::With { tick, missing } => match (is_checked(get(tick)), v.is_empty()) {
                    (false, _) => false,
                    (true, true) => {
                        errors.add_words(q.id, missing);
                        false
                    }
                    (true, false) => true,
                },
            };
            if asked {
                if let Err(msg) = (q.set)(&mut answers, v) {
                    errors.add_words(q.id, msg);
                }
            }
        }
        if errors.is_empty() {
            Ok(answers)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_question_is_on_the_form_once() {
        let on_form: Vec<&str> = in_form_order().map(|q| q.id).collect();
        let mut listed: Vec<&str> = QUESTIONS.iter().map(|q| q.id).collect();
        assert_eq!(on_form.len(), QUESTIONS.len());
        let mut sorted = on_form.clone();
        sorted.sort();
        listed.sort();
        assert_eq!(sorted, listed);
        assert_eq!(
            listed.iter().collect::<HashSet<_>>().len(),
            listed.len(),
            "ids are unique"
        );
    }

    #[test]
    fn choice_options_are_the_stored_values() {
        fn texts<T: std::fmt::Display>(all: &[T]) -> Vec<String> {
            all.iter().map(|v| v.to_string()).collect()
        }
        let values = |q: &Question| q.options().iter().map(|o| o.value.to_string()).collect::<Vec<_>>();
        assert_eq!(values(&OVERALL), texts(Overall::ALL));
        // The one exception: "not asked" is stored after "None of these",
        // never offered.
        let offered: Vec<_> = PainRelief::ALL.iter().filter(|v| **v != PainRelief::NotAsked).collect();
        assert_eq!(values(&PAIN_RELIEF), texts(&offered));
        assert_eq!(PainRelief::NotAsked.as_str(), NOT_ASKED);
        assert_eq!(values(&OOZING), texts(Oozing::ALL));
        assert_eq!(values(&CRUSTS), texts(Crusts::ALL));
        assert_eq!(values(&PROPHYLAXIS), texts(Prophylaxis::ALL));
        assert_eq!(values(&RAISED_AREA_SITE), texts(RaisedAreaSite::ALL));
    }

    #[test]
    fn a_conditional_question_follows_an_earlier_tick() {
        for q in QUESTIONS {
            if let Presence::With { tick, .. } = q.presence {
                let t = question(tick).expect("the tick exists");
                assert!(t.is_tick(), "{}", q.id);
                assert!(t.cadence == q.cadence || t.cadence == Cadence::Daily, "{}", q.id);
            }
        }
    }

    #[test]
    fn the_calm_day_reports_nothing() {
        let a = CheckInAnswers::calm();
        assert!(reported(&a).is_empty());
        assert!(noted(&a).is_empty());
        let mut b = a.clone();
        b.lid_pulling = true;
        b.oozing = Oozing::Clear;
        assert_eq!(
            reported(&b).iter().map(Said::en).collect::<Vec<_>>(),
            [
                "Oozing: thin, clear or yellow liquid",
                "My lower eyelid is pulling down, or my eye waters all the time"
            ]
        );
        assert_eq!(noted(&b), ["lid pulling"]);
    }

    #[test]
    fn every_question_is_on_the_first_step_or_behind_one_sign() {
        let mut ids: Vec<&str> = FIRST_STEP
            .iter()
            .map(|q| q.id)
            .chain(behind_signs().map(|q| q.id))
            .collect();
        ids.sort();
        let mut listed: Vec<&str> = QUESTIONS.iter().map(|q| q.id).collect();
        listed.sort();
        assert_eq!(ids, listed);
    }

    #[test]
    fn the_signs_reported_are_ticks_and_notable_choices() {
        let form = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<std::collections::HashMap<_, _>>()
        };
        let calm = form(&[
            ("oozing", "none"),
            ("pain_relief", "yes"),
            ("temperature", "37"),
            ("fever", "no"),
        ]);
        assert!(signs_reported(&calm).is_empty());
        let some = form(&[("fever", "yes"), ("oozing", "pus")]);
        assert_eq!(signs_reported(&some).len(), 2);
        let mut filled = form(&[("pain", "2")]);
        fill_calm_behind_signs(&mut filled, Prescribed::default());
        assert_eq!(filled.get("oozing").map(String::as_str), Some("none"));
        assert_eq!(filled.get("crusts").map(String::as_str), Some("none"));
        assert_eq!(filled.get("prophylaxis").map(String::as_str), Some("not_prescribed"));
        assert_eq!(filled.get("pain_relief").map(String::as_str), Some(NOT_ASKED));
        assert!(!filled.contains_key("fever"));
        // What the patient did answer is kept.
        let mut filled = form(&[("pain_relief", "yes")]);
        fill_calm_behind_signs(&mut filled, Prescribed::default());
        assert_eq!(filled.get("pain_relief").map(String::as_str), Some("yes"));
        // "No missed dose" from a patient the clinic gave tablets: taken.
        let mut filled = form(&[("pain", "2")]);
        let antiviral = Prescribed {
            antiviral: true,
            antibiotic: false,
        };
        fill_calm_behind_signs(&mut filled, antiviral);
        assert_eq!(filled.get("prophylaxis").map(String::as_str), Some("taken"));
        // Whatever "None" fills in reports no sign.
        let mut filled = form(&[]);
        fill_calm_behind_signs(&mut filled, antiviral);
        assert!(signs_reported(&filled).is_empty(), "{filled:?}");
        let a = CheckInAnswers::from_form(&values_of(&CheckInAnswers::calm()), CheckInKind::Weekly).unwrap();
        assert_eq!(a, CheckInAnswers::calm());
    }

    #[test]
    fn a_question_not_asked_is_no_answer() {
        let mut a = CheckInAnswers::calm();
        a.pain_relief = PainRelief::NotAsked;
        assert_eq!((PAIN_RELIEF.get)(&a), Answer::NotAsked);
        assert_eq!((PAIN_RELIEF.get)(&a).csv(), "not_asked");
        assert!(!values_of(&a).contains_key("pain_relief"), "nothing to preselect");
        assert!(reported(&a).is_empty() && in_own_words(&a, &["U6"]).is_empty());
        let unasked: Vec<&str> = QUESTIONS.iter().filter(|q| q.may_go_unasked()).map(|q| q.id).collect();
        assert_eq!(unasked, ["pain_relief"]);
    }
}
