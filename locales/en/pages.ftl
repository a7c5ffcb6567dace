# Everything a patient reads on a page, in English. Keys ending in -html
# carry markup; their text arguments are escaped (i18n::Tr::h).

## Page furniture
skip-to-content = Skip to content
footer = Aftercare supports, and does not replace, your clinic's care. In an emergency call your local emergency number.
emergency-sentence = In an emergency call your local emergency number.
nav-label = Your pages
nav-home = Home
nav-history = History
sign-out = Sign out
back-home = Back to your home page
check-in-now = Check in now
title-error-prefix = Error:{" "}
error-prefix = Error:
language-switch-label = Language
call-worried = Worried? Call { $clinic }.
call-worried-phone-html = Worried? Call { $clinic } on { $phone }.
call-questions = Questions or worries? Call { $clinic }.
call-questions-phone-html = Questions or worries? Call { $clinic } on { $phone }.
call-questions-short = Questions? Call { $clinic }.
call-questions-short-phone-html = Questions? Call { $clinic } on { $phone }.
after-your-treatment = After your { $procedure } on { $date }.

## Numbers and dates
decimal-separator = .
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
weekday-short-1 = Mon
weekday-short-2 = Tue
weekday-short-3 = Wed
weekday-short-4 = Thu
weekday-short-5 = Fri
weekday-short-6 = Sat
weekday-short-7 = Sun
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
month-short-1 = Jan
month-short-2 = Feb
month-short-3 = Mar
month-short-4 = Apr
month-short-5 = May
month-short-6 = Jun
month-short-7 = Jul
month-short-8 = Aug
month-short-9 = Sep
month-short-10 = Oct
month-short-11 = Nov
month-short-12 = Dec
# "Monday 2 March 2026", "Monday 2 March", "Mon 2 Mar".
date-long = { $weekday } { $day } { $month } { $year }
date-no-year = { $weekday } { $day } { $month }
date-short = { $weekday } { $day } { $month }

## Home
home-title = Your recovery
home-hello = Hello, { $name }
home-photo-requested = { $clinic } has asked you for a photo of the treated area. Add it with your next check-in: after you save your answers, choose “Add a photo of the area”.
home-no-treatment = Your clinic has not added a treatment yet.
home-day-after = Day { $day } after your { $procedure }
home-treated-on = Treated on { $date }.
home-badge-done = Done
home-done-today = Today’s check-in: done. Thank you.
home-badge-due = Due
home-due-today = Today’s check-in is due.
home-next-due = Next check-in: { $date }.
home-finished = Your check-ins for this treatment are finished.
home-update-today = Update today’s check-in
home-your-history = Your history
home-your-procedure = Your { $procedure }
home-booked = Booked for { $date }. Your check-ins start on that day.
home-reminders-title = Reminder emails
home-reminders-on = Reminder emails are on. If a check-in is due and you have not done it by { $time }, we send you an email. It says nothing about your health.
home-reminders-off = Reminder emails are off.
home-reminders-turn-off = Turn reminder emails off
home-reminders-turn-on = Turn reminder emails on
home-language-title = Language
home-language-label = The language of your pages and emails
home-language-save = Save language
home-language-saved = Your pages and emails are now in English.
home-today = Today
home-next-today = today
home-next-tomorrow = tomorrow
home-next-date = { $date } (day { $day })

## Check-in form
checkin-title = Check-in
checkin-heading-today = Today’s check-in: day { $day }
checkin-heading-other = Check-in for { $date }: day { $day }
checkin-photo-requested = { $clinic } has asked you for a photo. Save your answers first; the next page lets you add a photo of the area.
checkin-check-answers = { $count ->
    [one] Please check this answer
   *[other] Please check these answers
  }
checkin-back-fill-html = You are filling in a missed day: <strong>{ $date }</strong>. Answer for that day, not for today.
checkin-already = You already checked in for this day. Sending again will update it. Your answers are filled in.
checkin-since-last-html = Answer for the time <strong>since your last check-in</strong>.
checkin-half-minute = It takes about half a minute.
checkin-date-label = The day this check-in is for (year-month-day)
checkin-send = Send my check-in
checkin-other-days = { $days ->
    [one] Missed a day? You can fill in 1 day back:
   *[other] Missed a day? You can fill in up to { $days } days back:
  }
checkin-day-done = (done)
checkin-day-link = { $date } (day { $day })
checkin-none-but-reported = You answered “None of these” but also reported: { $signs }. Choose “Yes, some of these”, or untick them.
signs-legend = Since your last check-in, have you had any of these?
signs-none = None of these: send my check-in
signs-some = Yes, some of these: next
checkin-closed-title = Your follow-up has ended
checkin-closed-text = Your clinic has closed your recovery follow-up, so check-ins are no longer read. If anything worries you, call the clinic.
checkin-no-treatment-title = No treatment yet
checkin-no-treatment-text = Your clinic has not added a treatment for you yet. Check-ins start on the day of your treatment.
checkin-not-yet-title = Not yet
checkin-not-yet-text = Your check-ins start on the day of your treatment, { $date }.
history-no-treatment-text = Your clinic has not added a treatment for you yet, so there is no history to show.

## What the patient reported, in a sentence
said-temperature = Temperature { $celsius } °C ({ $fahrenheit } °F)
said-scale = { $question }: { $score } out of 10
said-level = { $question } { $level }
level-0 = none
level-1 = mild
level-2 = moderate
level-3 = severe
overall-better = getting better
overall-same = about the same
overall-worse = getting worse

## Result
result-emergency-title = Call emergency services now
result-call-title = Call the clinic now
result-saved-title = Check-in saved
result-saved = Your check-in for { $date } (day { $day }) is saved.
result-updated = Your check-in for { $date } (day { $day }) is updated.
result-clinic-number-html = The clinic's number is { $phone }.
result-call-now = Call the clinic now.
result-call-now-phone-html = Call the clinic now on { $phone }.
result-severe-or-closed = If it is severe or the clinic is closed, seek emergency care.
result-clinic-told = We have also told { $clinic } about your answers.
result-review-title = The clinic will look at this
result-review-text = The clinic will look at this by the next working day. If you feel worse before then, call { $clinic }.
result-review-text-phone-html = The clinic will look at this by the next working day. If you feel worse before then, call { $clinic } on { $phone }.
result-thanks = Thank you
result-normal-title = What is normal now
result-see-history = See your check-ins and charts
result-change = Change these answers
result-call-button = Call the clinic
result-earlier-day-html = <strong>These answers were for { $date }, an earlier day.</strong> Is it still the case today? If it is, call the clinic now.
result-because = Because you told us

## History
history-title = Your check-ins
history-treatments = Your treatments
history-charts = Charts
history-legend = The shaded area is what is expected on that day. A red diamond marks a value that alerted the clinic; a brown square, one the clinic will review; each sits on the chart of the symptom it was about. A gap in the line is a day with no check-in. The table below gives the same numbers.
history-day-by-day = Day by day
history-none = No check-ins yet.
history-entry-heading = Day { $day } · { $date }
history-amended = (updated after sending)
history-summary = Overall { $overall }. Pain { $pain }, itch { $itch }, swelling { $swelling }, redness { $redness }.
history-your-note = Your note: { $note }
history-table-title = The numbers in the charts
history-col-day = Day
history-col-date = Date
history-col-pain = Pain
history-col-itch = Itch
history-col-swelling = Swelling
history-col-redness = Redness
history-col-flag = Flag
history-sev-urgent = Urgent: the clinic was alerted
history-sev-review = The clinic will review
history-sev-info = Noted for the clinic
history-sev-none = Nothing to flag
history-treatment-link = { $procedure }, { $date }
chart-pain-title = Worst burning or pain by day
chart-pain-axis = Pain (0–10)
chart-itch-title = Worst itch by day
chart-itch-axis = Itch (0–10)
chart-swelling-title = Swelling by day
chart-swelling-axis = Swelling (0–3)
chart-redness-title = Redness by day
chart-redness-axis = Redness (0–3)
chart-expected = Expected
chart-expected-swelling = Expected swelling
chart-expected-redness = Expected redness
chart-itch-common = Itching is common while the skin heals.

## Photos
photo-title = Add a photo of the area
photo-requested = Your clinic has asked for a photo. Adding one here sends it to them.
photo-intro = A photo helps the clinic see how your skin is healing. Your answers are already saved, whatever happens with the photo.
photo-alt = Your photo { $number } with this check-in (opens the full size)
photo-remove = Remove photo { $number }
photo-input-label = Take or choose a photo
photo-hint = JPEG, PNG, WebP or HEIC, up to 15 MB. Up to { $max } photos with each check-in. Photos are stored without their location or camera details.
photo-send = Send photo
photo-full = This check-in has { $max } photos, the most it can have.
photo-refused-title = The photo was not added
photo-refused-saved = Your check-in is saved: only the photo is missing.
photo-back-to-checkin = Back to your check-in
photo-home = Your home page

## Signing in, invitations, resets
login-title = Sign in
login-email = Email
login-password = Password
login-button = Sign in
login-forgot = Forgot your password?
login-not-set-up-html = Aftercare is not set up yet. Open the setup link that <code>aftercare serve</code> printed when it started.
login-wrong = That email and password do not match an account. Check them and try again.
forgot-title = Forgot your password?
forgot-sent-html = If <strong>{ $email }</strong> belongs to an Aftercare account, we have sent it a link to choose a new password. The link works once, for 1 hour.
forgot-no-email = No email after a few minutes? Check your spam folder, check the address, or ask your clinic for help.
forgot-back = Back to sign in
forgot-intro = Enter the email address you sign in with. We will send you a link to choose a new password.
forgot-button = Send me a link
forgot-bad-email = Enter an email address like name@example.org
invite-title = Choose your password
invite-intro = Welcome to Aftercare. Choose a password to finish setting up your account. Use at least 8 characters; a few unrelated words work well.
invite-button = Save password and continue
reset-title = Choose a new password
reset-intro = Choose a new password for your account. Use at least 8 characters; a few unrelated words work well. You will be signed out everywhere else.
reset-button = Save new password
password-new = New password
password-new-hint = At least 8 characters.
password-confirm = Type the new password again
password-check = Please check these answers
password-too-short = use at least 8 characters
password-too-long = use at most 128 characters
password-common = this password is too common: choose another (a few unrelated words work well)
password-control = a password cannot hold invisible control characters: type it again
password-mismatch = the two passwords are not the same: type it again
link-invalid-title = This link no longer works
link-invalid-invite = Invitation links work once and for 7 days. This one has been used already or has expired.
link-invalid-invite-next-html = If you have already chosen a password, <a href="/login">sign in</a>. Otherwise ask your clinic to send you a new invitation, or <a href="/forgot">get a link to set a password</a>.
link-invalid-reset = Password reset links work once and for 1 hour. This one has been used already or has expired.
link-invalid-reset-next-html = <a href="/forgot">Ask for a new link</a>, or <a href="/login">sign in</a> if you remember your password.
notice-signed-out = You have signed out.
notice-password = Your password is set. Sign in with it now.
notice-signed-out-everywhere = You have signed out on every device.
notice-changed = Your password is changed. Every other device you were signed in on is now signed out.
chart-days-axis = Days since treatment
chart-caption = { $lead }: { $expected }.
chart-summary = Day { $first } to day { $last }: lowest { $lowest }, highest { $highest }, latest { $latest } on day { $last }.
chart-flagged = Marked: the value of day { $days }.
chart-gaps = No check-in on day { $days }: the line has a gap there.
expected-none = none
expected-at-most = { $value } or less
expected-from-day = { $words } from day { $day }
expected-any = any level
expected-any-before = { $parts }; any level before that

## Stopping reminders from the email's link
unsubscribe-done-title = Reminders are off
unsubscribe-title = Stop reminders from { $clinic }
unsubscribe-invalid-title = This link does not work
unsubscribe-done-notice = { $clinic } will not send you check-in reminder emails any more.
unsubscribe-done-text = Please keep checking in each day: your clinic still reads what you send. You can turn reminders back on from your Aftercare home page.
unsubscribe-question = Stop check-in reminders from { $clinic }?
unsubscribe-explain = You will no longer get an email when a check-in is due. Your clinic still reads every check-in you send.
unsubscribe-button = Stop the reminders
unsubscribe-invalid-text = It may have been used already, or it is more than { $days } days old. If reminders still arrive, sign in to Aftercare and turn them off on your home page.
unsubscribe-go = Go to Aftercare

## Error pages (src/web/error.rs: one mapping from an error to its words)
error-start = Go to the start page
error-status = Error { $status }
error-not-found-title = Page not found
error-not-found = There is nothing here. Check the address, or go back to the start.
error-forbidden-title = Not allowed
error-forbidden = Your account does not have access to this page.
error-csrf-title = Please try again
error-csrf = This form could not be accepted: it may have been open too long, or come from another site. Reload the page and send it again.
error-too-many-title = Too many attempts
error-too-many-seconds = For your security, please wait { $seconds ->
        [one] { $seconds } second
       *[other] { $seconds } seconds
    } before trying again.
error-too-many-minutes = For your security, please wait { $minutes ->
        [one] { $minutes } minute
       *[other] { $minutes } minutes
    } before trying again.
error-invalid-title = Please check your answers
error-conflict-title = That could not be done
error-not-a-form-title = Not a form
error-not-a-form = This address accepts only forms sent from Aftercare's own pages.
error-internal-title = Something went wrong
error-internal = We could not complete this request. Nothing you entered before was lost. Please try again in a moment.

## Why a photo was not added (src/web/patient/photos.rs: `reason`)
photo-refused-empty = The file is empty. Choose a photo and try again.
photo-refused-too-big = The photo is larger than 15 MB. Choose a smaller one, or take the photo again at a lower size.
photo-refused-not-an-image = This file is not a photo we can read. Send a JPEG, PNG, WebP or HEIC photo.
photo-refused-too-many-pixels = This picture is { $width } × { $height } pixels, larger than we accept (40 megapixels). Take the photo again at a normal size.
photo-refused-too-large = This picture is too large for us to read. Take the photo again at a normal size.
photo-refused-corrupt = This photo could not be read: the file is damaged or incomplete. Take it again, or choose another.
photo-refused-polyglot = This file holds something besides a photo, so it was not accepted. Send the photo straight from the camera or gallery.
photo-refused-heic = HEIC photos cannot be read by this installation. On an iPhone, choose Settings › Camera › Formats › Most Compatible, or send a screenshot of the photo.
photo-refused-too-many-at-once = Choose at most { $max } photos.
photo-refused-full = This check-in already has { $max } photos. Remove one to add another.

## Your account (password, where you are signed in)
account-title = Your account
account-nav-label = Account
account-back = Back to my pages
account-password-title = Change your password
account-current = Current password
account-new-hint = At least 8 characters. A few unrelated words work well.
account-change-button = Change password
account-change-signs-out = Changing your password signs you out on every other device.
account-current-missing = enter your current password
account-current-wrong = that is not your current password: check it and try again
account-sessions-title = Where you are signed in
account-this-device = This device
account-address = Address
account-signed-in = Signed in
account-last-seen = Last seen
account-sign-out-session = Sign out this session
account-session-label = : { $browser }, signed in { $started }
account-everywhere-title = Sign out everywhere
account-everywhere-text = Lost a phone, or signed in on a shared computer? This signs you out on every device, this one included.
account-everywhere-button = Sign out everywhere
account-browser-on = { $browser } on { $system }
account-a-browser-on = A browser on { $system }
account-unknown-browser = Unknown browser
account-unknown-address = unknown address
account-when = { $day } { $month } { $year }, { $time } UTC
home-account-link = Your password and the devices you are signed in on
notice-session-ended = That session is signed out.
notice-session-gone = That session had already ended.
