# Emails to a patient, in English. Subjects are one line.

email-sent-by = Sent by Aftercare.
email-invite-subject = { $clinic } has invited you to Aftercare
email-invite-label = Invitation
email-invite-intro = Aftercare is where you record a short daily check-in while your skin heals.
email-invite-intro-text = Aftercare is where you record a short daily check-in while your skin heals. Accept the invitation here:
email-invite-button = Accept the invitation
email-invite-expiry = This link expires in 7 days. If you were not expecting it, you can ignore this email.
email-reset-subject = Reset your Aftercare password
email-reset-label = Password reset
email-reset-intro = Choose a new password here:
email-reset-button = Choose a new password
email-reset-expiry = This link expires in 1 hour. If you did not ask to reset your password, ignore this email; your password has not changed.
email-reminder-subject = Time for today's recovery check-in
email-reminder-button = Start today's check-in
email-photo-subject = { $clinic } has a request for you on Aftercare
email-photo-title = A request from { $clinic }
email-photo-label = A request from your clinic
email-photo-heading = { $clinic } has a request for you
email-photo-text = { $clinic } has asked you to add a photo with your next check-in.
email-photo-intro = Your clinic has asked you to add a photo with your next check-in.
email-photo-button = Sign in to see the request
email-photo-link-text = Sign in to see the request: { $link }
email-reminder-label = Check-in reminder from { $clinic }
email-reminder-intro = { $clinic } asks you to check in each day of your recovery. It takes about thirty seconds.
email-reminder-intro-text = { $clinic } asks you to check in each day of your recovery. It takes about thirty seconds: { $link }
email-reminder-stop-text = To stop these reminders from { $clinic }, open this link: { $link }
email-reminder-back-on-text = (You can turn them back on from your Aftercare home page.)
email-reminder-stop-html = <a href="{ $link }" style="color:#0b57d0;">Stop these reminders from { $clinic }</a>. You can turn them back on from your <a href="{ $home }" style="color:#0b57d0;">Aftercare home page</a>.
