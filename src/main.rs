//! The `aftercare` command: serve, migrate, admin commands and demo data.
//! Each `create` prints the new id alone on the first line (scripts read it).

use aftercare::app::onboarding::{self, Credential};
use aftercare::auth::password::NewPassword;
use aftercare::config::Settings;
use aftercare::db::{audit::Actor, Db};
use aftercare::domain::*;
use clap::{Parser, Subcommand};
use std::io::Read;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "aftercare",
    version,
    about = "Recovery check-ins and clinic alerts after laser skin resurfacing"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web service, the alert delivery worker and the scheduler.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage clinics.
    Clinic {
        #[command(subcommand)]
        action: ClinicCmd,
    },
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        action: StaffCmd,
    },
    /// Manage patients.
    Patient {
        #[command(subcommand)]
        action: PatientCmd,
    },
    /// Manage treatments.
    Treatment {
        #[command(subcommand)]
        action: TreatmentCmd,
    },
    /// Copy the SQLite database, while `serve` runs, into a new file; verify
    /// it and print what it holds. (PostgreSQL: use pg_dump, see the README.)
    Backup {
        /// The backup file to write (must not exist yet).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Replace the SQLite database with a backup, after verifying it. Refuses
    /// while any aftercare process has the database open.
    Restore {
        /// The backup file to restore.
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Create a demo clinic with staff, patients and check-in histories.
    Demo {
        /// How many patients.
        #[arg(long, default_value_t = 24)]
        patients: u32,
        /// How many days of history (check-ins up to this day after treatment).
        #[arg(long, default_value_t = 20)]
        days: u32,
    },
    /// Run synthetic patients (normal recoveries and seeded complications)
    /// through the default rules and print the alert burden. Touches no database.
    Simulate {
        /// Seed of the generator: the same seed gives the same figures.
        #[arg(long, default_value_t = aftercare::simulate::Config::default().seed)]
        seed: u64,
        /// Normal recoveries per procedure class.
        #[arg(long, default_value_t = aftercare::simulate::Config::default().patients_per_class)]
        patients: usize,
        /// Patients per seeded complication and procedure class.
        #[arg(long, default_value_t = aftercare::simulate::Config::default().per_complication)]
        complications: usize,
        /// Use the default rules from before the December 2026 revision of U5, R3, R4, R5.
        #[arg(long)]
        before_revision: bool,
    },
}

#[derive(Subcommand)]
enum ClinicCmd {
    /// Create a clinic; prints its id.
    Create {
        #[arg(long)]
        name: String,
        /// IANA time zone, e.g. Europe/London.
        #[arg(long)]
        timezone: String,
        /// Where alerts are emailed.
        #[arg(long)]
        alert_email: String,
        #[arg(long, default_value = "")]
        phone: String,
    },
}

#[derive(Subcommand)]
enum StaffCmd {
    /// Create a staff account; prints its id, then a set-password link unless --password-stdin.
    Create {
        #[arg(long)]
        clinic: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin or clinician.
        #[arg(long)]
        role: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum PatientCmd {
    /// Enrol a patient; prints their id, then an invite link unless --password-stdin.
    Create {
        #[arg(long)]
        clinic: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Fitzpatrick skin type, 1 to 6.
        #[arg(long)]
        skin_type: Option<String>,
        /// History of cold sores.
        #[arg(long)]
        cold_sores: bool,
        /// Phone number for the clinic to call: digits, spaces, + - ( ).
        #[arg(long)]
        phone: Option<String>,
        /// The language of the patient's pages and emails: en or es.
        #[arg(long, default_value = "en")]
        language: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TreatmentCmd {
    /// Add a treatment session to a patient; prints its id.
    Create {
        #[arg(long)]
        patient: String,
        /// One of: ablative_full_co2, ablative_full_erbium, ablative_fractional, nonablative_fractional, ipl, peel_medium.
        #[arg(long)]
        procedure: String,
        /// The clinic's local date of the treatment, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// Comma-separated: perioral, periorbital, neck, other.
        #[arg(long, default_value = "")]
        zones: String,
        /// Antiviral prophylaxis prescribed.
        #[arg(long)]
        antiviral: bool,
        /// Antibiotic prophylaxis prescribed.
        #[arg(long)]
        antibiotic: bool,
    },
}

/// Prints a line to standard output. A closed pipe (`aftercare ... | head -1`)
/// is not an error worth a panic: the reader has what it wanted.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// A failure the operator can act on: printed as one line, exit code 1.
struct Fail(String);

impl<E: std::fmt::Display> From<E> for Fail {
    fn from(e: E) -> Self {
        Fail(e.to_string())
    }
}

fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is reported.
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("error: .env: {e}");
            return ExitCode::FAILURE;
        }
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Fail> {
    let settings = Settings::from_env()?;
    match cli.command {
        Command::Serve => {
            aftercare::memory::bound_malloc();
            settings.check_mail_dir()?;
            aftercare::telemetry::init();
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            rt.block_on(async move {
                let app = aftercare::startup::Application::build(settings, aftercare::startup::system_clock())
                    .await
                    .map_err(Fail::from)?;
                app.run_until_stopped().await.map_err(Fail::from)
            })
        }
        Command::Migrate => {
            let ran = Db::migrate(&settings.database).map_err(|e| Fail(format!("DATABASE_URL: {e}")))?;
            say!("{ran} migration(s) applied");
            let db = open_db(&settings)?;
            let now = chrono::Utc::now();
            let moved = db.write(|c| aftercare::app::clinic::adopt_revised_defaults(c, now, &cli_actor()))?;
            if !moved.is_empty() {
                say!("{} clinic(s) moved to the revised default trend rules", moved.len());
            }
            Ok(())
        }
        Command::Clinic {
            action:
                ClinicCmd::Create {
                    name,
                    timezone,
                    alert_email,
                    phone,
                },
        } => {
            let input = onboarding::ClinicInput::parse(&name, &timezone, &phone, &alert_email)?;
            let db = open_db(&settings)?;
            let now = chrono::Utc::now();
            let id = db.write(|c| onboarding::create_clinic(c, &input, now, &cli_actor()))?;
            say!("{id}");
            Ok(())
        }
        Command::Staff {
            action:
                StaffCmd::Create {
                    clinic,
                    email,
                    name,
                    role,
                    password_stdin,
                },
        } => {
            let (clinic, email, name) = account_flags(&clinic, &email, &name)?;
            let input = onboarding::StaffInput {
                clinic,
                email,
                name,
                role: flag("--role", Role::parse(&role))?,
            };
            create_account(&settings, password_stdin, |c, hash, now, url| {
                onboarding::create_staff(c, &input, hash, now, url, &cli_actor())
            })
        }
        Command::Patient {
            action:
                PatientCmd::Create {
                    clinic,
                    email,
                    name,
                    skin_type,
                    cold_sores,
                    phone,
                    language,
                    password_stdin,
                },
        } => {
            let skin_type = match skin_type {
                Some(s) => Some(
                    s.trim()
                        .parse::<i32>()
                        .ok()
                        .and_then(|n| SkinType::new(n).ok())
                        .ok_or_else(|| Fail("--skin-type: must be a number from 1 to 6".into()))?,
                ),
                None => None,
            };
            let (clinic, email, name) = account_flags(&clinic, &email, &name)?;
            let input = onboarding::PatientInput {
                clinic,
                email,
                name,
                skin_type,
                cold_sores,
                phone: flag("--phone", PhoneNumber::parse_optional(phone.as_deref().unwrap_or("")))?,
                language: flag("--language", Lang::parse(&language))?,
            };
            create_account(&settings, password_stdin, |c, hash, now, url| {
                onboarding::create_patient(c, &input, hash, now, url, &cli_actor())
            })
        }
        Command::Treatment {
            action:
                TreatmentCmd::Create {
                    patient,
                    procedure,
                    date,
                    zones,
                    antiviral,
                    antibiotic,
                },
        } => {
            let input = onboarding::TreatmentInput {
                patient: parse_id(&patient, "--patient")?,
                procedure: flag("--procedure", ProcedureClass::parse(&procedure))?,
                treated_on: chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
                    .map_err(|_| Fail(format!("--date: {date:?} is not a date like 2026-03-14")))?,
                zones: flag("--zones", Zones::parse(&zones))?,
                prescribed: Prescribed { antiviral, antibiotic },
            };
            let db = open_db(&settings)?;
            let id = db
                .write(|c| onboarding::create_treatment(c, None, &input, chrono::Utc::now(), &cli_actor()))
                .map_err(|e| match e {
                    aftercare::error::Error::NotFound => {
                        Fail(format!("--patient: there is no patient with id {patient}"))
                    }
                    other => Fail::from(other),
                })?;
            say!("{id}");
            Ok(())
        }
        Command::Backup { to } => {
            let report = aftercare::db::backup::backup(&sqlite_path(&settings)?, &to)?;
            say!("{report}");
            Ok(())
        }
        Command::Restore { from } => {
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
            let report = aftercare::db::backup::restore(&from, &sqlite_path(&settings)?, &stamp)?;
            say!("{report}");
            Ok(())
        }
        Command::Simulate {
            seed,
            patients,
            complications,
            before_revision,
        } => {
            let config = aftercare::simulate::Config {
                seed,
                patients_per_class: patients.min(100_000),
                per_complication: complications.min(10_000),
            };
            let rules = if before_revision {
                aftercare::triage::RuleSettings::defaults_before_trend_revision()
            } else {
                aftercare::triage::RuleSettings::default()
            };
            say!("{}", aftercare::simulate::run(&config, &rules).render());
            Ok(())
        }
        Command::Demo { patients, days } => {
            let db = open_db(&settings)?;
            let report = aftercare::demo::generate(&db, patients, days, chrono::Utc::now(), &settings.public_url)?;
            say!("{report}");
            Ok(())
        }
    }
}

/// The SQLite file of `DATABASE_URL` (backups of PostgreSQL are pg_dump's).
fn sqlite_path(settings: &Settings) -> Result<std::path::PathBuf, Fail> {
    match &settings.database {
        aftercare::db::DatabaseUrl::Sqlite(p) => Ok(p.into()),
        aftercare::db::DatabaseUrl::Postgres(_) => Err(Fail::from(aftercare::db::backup::BackupError::Postgres)),
    }
}

/// Opens the database for a one-shot command: one connection, no pool
/// threads (one left opening a connection while the process exits crashes
/// it). A failure names the setting to fix.
fn open_db(settings: &Settings) -> Result<Db, Fail> {
    Db::connect_single(&settings.database).map_err(|e| Fail(format!("DATABASE_URL: {e}")))
}

fn cli_actor() -> Actor {
    Actor::system("cli")
}

/// A flag's value, or a failure naming the flag.
fn flag<T, E: std::fmt::Display>(name: &str, value: Result<T, E>) -> Result<T, Fail> {
    value.map_err(|e| Fail(format!("{name}: {e}")))
}

/// What every new account is given: `--clinic`, `--email` and `--name`.
fn account_flags(clinic: &str, email: &str, name: &str) -> Result<(ClinicId, EmailAddress, String), Fail> {
    Ok((
        parse_id(clinic, "--clinic")?,
        flag("--email", EmailAddress::parse(email))?,
        flag("--name", parse_name(name))?,
    ))
}

fn parse_id<T: std::str::FromStr>(s: &str, flag: &str) -> Result<T, Fail> {
    s.parse()
        .map_err(|_| Fail(format!("{flag}: {s:?} is not an id (a whole number)")))
}

fn password_from_stdin(read: bool) -> Result<Option<String>, Fail> {
    if !read {
        return Ok(None);
    }
    let mut raw = String::new();
    flag("--password-stdin", std::io::stdin().read_to_string(&mut raw))?;
    let line = raw.lines().next().unwrap_or("");
    let password = flag("--password-stdin", NewPassword::parse(line))?;
    Ok(Some(onboarding::hash_password(&password)?))
}

/// The shared tail of `staff create` and `patient create`: the password
/// from standard input (if asked), one transaction, then the new id alone on
/// the first line and the credential (or one-time link) after it.
fn create_account<Id: std::fmt::Display>(
    settings: &Settings,
    password_stdin: bool,
    create: impl FnOnce(
        &mut aftercare::db::DbConn,
        Option<&str>,
        chrono::DateTime<chrono::Utc>,
        &str,
    ) -> Result<(Id, AccountId, Credential), aftercare::error::Error>,
) -> Result<(), Fail> {
    let hash = password_from_stdin(password_stdin)?;
    let db = open_db(settings)?;
    let (id, _, credential) = db.write(|c| create(c, hash.as_deref(), chrono::Utc::now(), &settings.public_url))?;
    say!("{id}");
    match credential {
        Credential::PasswordSet => say!("password set"),
        Credential::Link(link) => say!("{link}"),
    }
    Ok(())
}
