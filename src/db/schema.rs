// One schema for both backends: only types SQLite and PostgreSQL share.
// Written by hand to match migrations/*/; tests/migrations.rs checks it.

diesel::table! {
    clinics (id) {
        id -> BigInt,
        name -> Text,
        timezone -> Text,
        phone -> Text,
        alert_email -> Text,
        escalation_email -> Nullable<Text>,
        reminder_time -> Time,
        workday_start -> Time,
        workday_end -> Time,
        escalation_minutes -> Integer,
        review_digest -> Bool,
        follow_up_days -> Integer,
        require_totp -> Bool,
        created_at -> Timestamp,
        patients_count -> BigInt,
    }
}

diesel::table! {
    accounts (id) {
        id -> BigInt,
        email -> Text,
        kind -> Text,
        password_hash -> Nullable<Text>,
        disabled -> Bool,
        password_changed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        activated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    staff (id) {
        id -> BigInt,
        account_id -> BigInt,
        clinic_id -> BigInt,
        name -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    patients (id) {
        id -> BigInt,
        account_id -> BigInt,
        clinic_id -> BigInt,
        name -> Text,
        skin_type -> Nullable<Integer>,
        cold_sores -> Bool,
        reminders -> Bool,
        follow_up_closed_at -> Nullable<Timestamp>,
        last_checkin_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        phone -> Nullable<Text>,
        phone_tel -> Nullable<Text>,
        language -> Text,
    }
}

diesel::table! {
    patient_search (clinic_id, term, patient_id) {
        clinic_id -> BigInt,
        term -> Text,
        patient_id -> BigInt,
        name -> Text,
    }
}

diesel::table! {
    treatments (id) {
        id -> BigInt,
        patient_id -> BigInt,
        clinic_id -> BigInt,
        procedure -> Text,
        treated_on -> Date,
        zones -> Text,
        antiviral -> Bool,
        antibiotic -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rules_versions (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        version -> Integer,
        settings -> Text,
        created_by -> Nullable<BigInt>,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    checkins (id) {
        id -> BigInt,
        treatment_id -> BigInt,
        patient_id -> BigInt,
        clinic_id -> BigInt,
        day -> Date,
        day_number -> Integer,
        kind -> Text,
        overall -> Text,
        pain -> Integer,
        pain_relief -> Text,
        itch -> Integer,
        swelling -> Integer,
        eyes_swollen_shut -> Bool,
        redness -> Integer,
        redness_spreading -> Bool,
        oozing -> Text,
        crusts -> Text,
        blisters -> Bool,
        tingling -> Bool,
        pimples -> Bool,
        white_patches -> Bool,
        rash_outside -> Bool,
        raw_area -> Bool,
        lip_swelling_or_breathing -> Bool,
        fever -> Bool,
        temperature_c -> Nullable<Double>,
        vision_change -> Bool,
        eye_pain -> Bool,
        cannot_close_eye -> Bool,
        lid_pulling -> Bool,
        bleeding -> Bool,
        want_call -> Bool,
        prophylaxis -> Text,
        dark_patches -> Bool,
        light_patches -> Bool,
        raised_area -> Bool,
        raised_area_site -> Nullable<Text>,
        note -> Nullable<Text>,
        highest_severity -> Nullable<Text>,
        version -> Integer,
        entered_at -> Timestamp,
        first_entered_at -> Timestamp,
        advice -> Text,
    }
}

diesel::table! {
    checkin_revisions (id) {
        id -> BigInt,
        checkin_id -> BigInt,
        version -> Integer,
        answers -> Text,
        highest_severity -> Nullable<Text>,
        entered_at -> Timestamp,
    }
}

diesel::table! {
    flags (id) {
        id -> BigInt,
        reference -> Text,
        clinic_id -> BigInt,
        patient_id -> BigInt,
        treatment_id -> BigInt,
        checkin_id -> Nullable<BigInt>,
        rule_id -> Text,
        severity -> Text,
        severity_rank -> Integer,
        reason -> Text,
        inputs -> Text,
        rules_version_id -> BigInt,
        dedup_key -> Nullable<Text>,
        occurrences -> Integer,
        state -> Text,
        raised_at -> Timestamp,
        last_seen_at -> Timestamp,
        notified_severity -> Nullable<Text>,
        acknowledged_by -> Nullable<BigInt>,
        acknowledged_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<BigInt>,
        resolved_at -> Nullable<Timestamp>,
        resolution_note -> Nullable<Text>,
        escalated_at -> Nullable<Timestamp>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    flag_events (id) {
        id -> BigInt,
        flag_id -> BigInt,
        kind -> Text,
        severity -> Nullable<Text>,
        staff_id -> Nullable<BigInt>,
        detail -> Text,
        at -> Timestamp,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    scheduled_findings (treatment_id, rule_id, dedup_key) {
        treatment_id -> BigInt,
        rule_id -> Text,
        dedup_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        message_id -> Text,
        kind -> Text,
        clinic_id -> Nullable<BigInt>,
        flag_id -> Nullable<BigInt>,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        sender_name -> Nullable<Text>,
        list_unsubscribe -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        account_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ip -> Nullable<Text>,
        browser -> Nullable<Text>,
    }
}

diesel::table! {
    tokens (token_hash) {
        token_hash -> Text,
        purpose -> Text,
        account_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        clinic_id -> Nullable<BigInt>,
        actor_account_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        target -> Nullable<Text>,
        ip -> Nullable<Text>,
        detail -> Text,
        patient_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    trusted_devices (token_hash, account_id) {
        token_hash -> Text,
        account_id -> BigInt,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
    }
}

diesel::table! {
    photos (id) {
        id -> BigInt,
        checkin_id -> BigInt,
        patient_id -> BigInt,
        clinic_id -> BigInt,
        added_by -> BigInt,
        added_at -> Timestamp,
        sha256 -> Text,
        size_bytes -> BigInt,
        width -> Integer,
        height -> Integer,
        thumb_size_bytes -> BigInt,
        thumb_width -> Integer,
        thumb_height -> Integer,
        bytes -> Binary,
        thumbnail -> Binary,
    }
}

diesel::table! {
    staff_totp (account_id) {
        account_id -> BigInt,
        secret -> Text,
        confirmed_at -> Nullable<Timestamp>,
        last_step -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    photo_requests (id) {
        id -> BigInt,
        patient_id -> BigInt,
        clinic_id -> BigInt,
        flag_id -> Nullable<BigInt>,
        requested_by -> BigInt,
        requested_at -> Timestamp,
        fulfilled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    recovery_codes (code_hash) {
        code_hash -> Text,
        account_id -> BigInt,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        clinic_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    export_jobs (id) {
        id -> Text,
        clinic_id -> BigInt,
        requested_by -> Text,
        request_url -> Text,
        types -> Text,
        since -> Nullable<Timestamp>,
        state -> Text,
        after_patient -> BigInt,
        patients_total -> BigInt,
        patients_done -> BigInt,
        claimed_by -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    export_files (id) {
        id -> BigInt,
        job_id -> Text,
        resource_type -> Text,
        resources -> BigInt,
        body -> Text,
    }
}

diesel::joinable!(staff -> accounts (account_id));
diesel::joinable!(staff -> clinics (clinic_id));
diesel::joinable!(patients -> accounts (account_id));
diesel::joinable!(patients -> clinics (clinic_id));
diesel::joinable!(patient_search -> patients (patient_id));
diesel::joinable!(treatments -> patients (patient_id));
diesel::joinable!(treatments -> clinics (clinic_id));
diesel::joinable!(rules_versions -> clinics (clinic_id));
diesel::joinable!(rules_versions -> staff (created_by));
diesel::joinable!(checkins -> treatments (treatment_id));
diesel::joinable!(checkins -> patients (patient_id));
diesel::joinable!(checkins -> clinics (clinic_id));
diesel::joinable!(checkin_revisions -> checkins (checkin_id));
diesel::joinable!(flags -> clinics (clinic_id));
diesel::joinable!(flags -> patients (patient_id));
diesel::joinable!(flags -> treatments (treatment_id));
diesel::joinable!(flags -> checkins (checkin_id));
diesel::joinable!(flags -> rules_versions (rules_version_id));
diesel::joinable!(flags -> staff (acknowledged_by));
diesel::joinable!(flag_events -> flags (flag_id));
diesel::joinable!(flag_events -> staff (staff_id));
diesel::joinable!(scheduled_findings -> treatments (treatment_id));
diesel::joinable!(outbox -> clinics (clinic_id));
diesel::joinable!(outbox -> flags (flag_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(tokens -> accounts (account_id));
diesel::joinable!(trusted_devices -> accounts (account_id));
diesel::joinable!(staff_totp -> accounts (account_id));
diesel::joinable!(recovery_codes -> accounts (account_id));
diesel::joinable!(audit_log -> clinics (clinic_id));
diesel::joinable!(audit_log -> accounts (actor_account_id));
diesel::joinable!(photos -> checkins (checkin_id));
diesel::joinable!(photos -> patients (patient_id));
diesel::joinable!(photos -> clinics (clinic_id));
diesel::joinable!(photos -> accounts (added_by));
diesel::joinable!(photo_requests -> patients (patient_id));
diesel::joinable!(photo_requests -> clinics (clinic_id));
diesel::joinable!(photo_requests -> flags (flag_id));
diesel::joinable!(photo_requests -> staff (requested_by));
diesel::joinable!(api_tokens -> clinics (clinic_id));
diesel::joinable!(api_tokens -> staff (created_by));
diesel::joinable!(export_jobs -> clinics (clinic_id));
diesel::joinable!(export_files -> export_jobs (job_id));

diesel::allow_tables_to_appear_in_same_query!(
    clinics,
    accounts,
    staff,
    patients,
    patient_search,
    treatments,
    rules_versions,
    checkins,
    checkin_revisions,
    flags,
    flag_events,
    scheduled_findings,
    outbox,
    sessions,
    tokens,
    audit_log,
    trusted_devices,
    photos,
    photo_requests,
    staff_totp,
    recovery_codes,
    api_tokens,
    export_jobs,
    export_files,
);
