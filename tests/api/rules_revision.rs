//! Issue 14 item 1: the December 2026 revision of the trend rules (U5, R3,
//! R4, R5). At start-up, a clinic whose rules in force are still the previous
//! defaults gets a new rules version with the revised defaults; a clinic that
//! changed a threshold keeps its own values; flags already raised keep the
//! version that raised them; running it again changes nothing.

use crate::support::app::*;
use aftercare::app::clinic::REVISED_DEFAULTS_NOTE;
use aftercare::db::{audit::Actor, clinics, flags};
use aftercare::domain::*;
use aftercare::triage::RuleSettings;

/// The rules JSON an older build wrote: every key it knew, none of the
/// revision's, the previous default values.
fn json_before_revision(change: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v = serde_json::to_value(RuleSettings::default()).expect("json");
    let o = v.as_object_mut().expect("object");
    for key in [
        "pain_rise_min_level",
        "swelling_rise",
        "redness_rise",
        "itch_rise_min_level",
    ] {
        assert!(o.remove(key).is_some(), "{key} is a revision key");
    }
    o.insert("itch_rise".into(), 2.into());
    change(&mut v);
    v.to_string()
}

fn set_rules(app: &TestApp, clinic: ClinicId, json: &str) -> clinics::RulesVersion {
    let now = app.clock_now().naive_utc();
    app.db
        .write(|c| clinics::new_rules_version(c, clinic, json, None, "saved by an older build", now))
        .expect("rules version")
}

fn current(app: &TestApp, clinic: ClinicId) -> clinics::RulesVersion {
    app.db.read(|c| clinics::current_rules(c, clinic)).expect("rules")
}

fn settings_of(v: &clinics::RulesVersion) -> RuleSettings {
    serde_json::from_str(&v.settings).expect("stored settings")
}

/// An itch wobble after day 4: 2/10 on day 5, 4/10 on day 6 (the previous
/// rules' R5 flagged a rise of 2; the revised one wants 3 reaching 5).
fn itch_wobble(app: &TestApp, clinic: ClinicId, email: &str) -> TreatmentId {
    let p = app.create_patient(clinic, email, "Sam Reed");
    let t = app.create_treatment(p, ProcedureClass::AblativeFractional, date("2026-02-24"), "");
    for (day, itch) in [("2026-03-01", 2), ("2026-03-02", 4)] {
        let mut a = CheckInAnswers::calm();
        a.itch = itch;
        app.record_checkin(t, date(day), &a);
    }
    t
}

fn r5_flags(app: &TestApp, t: TreatmentId) -> Vec<flags::Flag> {
    app.db
        .read(|c| flags::of_treatment(c, t))
        .expect("flags")
        .into_iter()
        .filter(|f| f.rule_id == RuleId::R5)
        .collect()
}

#[tokio::test]
async fn clinics_on_the_previous_defaults_move_to_the_revised_ones_and_customised_clinics_keep_theirs() {
    let app = spawn_app().await;
    // A new clinic starts on the revised defaults.
    let fresh = app.create_clinic("New Clinic", "Europe/London");
    let fresh_v = current(&app, fresh);
    assert_eq!(settings_of(&fresh_v), RuleSettings::default());

    // Two clinics from before the revision: one never changed a threshold,
    // one lowered the itch threshold.
    let plain = app.create_clinic("Plain Defaults", "Europe/London");
    let custom = app.create_clinic("Own Thresholds", "Europe/Paris");
    let plain_old = set_rules(&app, plain, &json_before_revision(|_| {}));
    let custom_old = set_rules(&app, custom, &json_before_revision(|v| v["itch_high"] = 6.into()));
    assert_eq!(settings_of(&plain_old), RuleSettings::defaults_before_trend_revision());

    // Under the previous rules a one-step itch wobble raised R5.
    let before = itch_wobble(&app, plain, "before@example.org");
    let old_flag = r5_flags(&app, before);
    assert_eq!(old_flag.len(), 1);
    assert_eq!(old_flag[0].rules_version_id, plain_old.id);

    // A restart runs the step.
    let app2 = spawn_app_sharing(&app, &[]).await;
    let plain_new = current(&app2, plain);
    assert_eq!(plain_new.version, plain_old.version + 1);
    assert_eq!(settings_of(&plain_new), RuleSettings::default());
    assert_eq!(plain_new.note, REVISED_DEFAULTS_NOTE);
    let audit = app2.audit("rules.change");
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].target.as_deref(), Some(format!("clinic:{plain}").as_str()));
    assert_eq!(
        audit[0].detail,
        format!("version={} revised defaults", plain_new.version)
    );
    assert_eq!(audit[0].actor, "rules revision");

    // The customised clinic and the new one are untouched.
    let custom_now = current(&app2, custom);
    assert_eq!((custom_now.id, custom_now.version), (custom_old.id, custom_old.version));
    assert_eq!(
        settings_of(&custom_now),
        RuleSettings {
            itch_high: 6,
            ..RuleSettings::defaults_before_trend_revision()
        }
    );
    assert_eq!(current(&app2, fresh).id, fresh_v.id);

    // The flag raised earlier keeps its version.
    let kept = r5_flags(&app2, before);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].rules_version_id, plain_old.id);

    // The same wobble now raises nothing at the moved clinic, and R5 still
    // at the customised one (its rules mean what they meant).
    let after = itch_wobble(&app2, plain, "after@example.org");
    assert!(r5_flags(&app2, after).is_empty());
    let own = itch_wobble(&app2, custom, "own@example.org");
    let own_flag = r5_flags(&app2, own);
    assert_eq!(own_flag.len(), 1);
    assert_eq!(own_flag[0].rules_version_id, custom_old.id);

    // Running it again (another start, or a second process) adds nothing.
    let app3 = spawn_app_sharing(&app, &[]).await;
    assert_eq!(current(&app3, plain).id, plain_new.id);
    let now = app3.clock_now();
    let moved = app3
        .db
        .write(|c| aftercare::app::clinic::adopt_revised_defaults(c, now, &Actor::system("test")))
        .expect("step");
    assert!(moved.is_empty());
    assert_eq!(app3.audit("rules.change").len(), 1);
}
