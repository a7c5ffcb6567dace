# Correos al paciente, en español. Los asuntos van en una sola línea.

email-sent-by = Enviado por Aftercare.
email-invite-subject = { $clinic } le ha invitado a Aftercare
email-invite-label = Invitación
email-invite-intro = Aftercare es donde usted hace un breve registro diario mientras su piel se cura.
email-invite-intro-text = Aftercare es donde usted hace un breve registro diario mientras su piel se cura. Acepte la invitación aquí:
email-invite-button = Aceptar la invitación
email-invite-expiry = Este enlace vence en 7 días. Si no esperaba este correo, puede ignorarlo.
email-reset-subject = Cambie su contraseña de Aftercare
email-reset-label = Cambio de contraseña
email-reset-intro = Elija una contraseña nueva aquí:
email-reset-button = Elegir una contraseña nueva
email-reset-expiry = Este enlace vence en 1 hora. Si usted no pidió cambiar su contraseña, ignore este correo; su contraseña no ha cambiado.
email-reminder-subject = Es hora del registro de hoy sobre su recuperación
email-reminder-button = Empezar el registro de hoy
email-photo-subject = { $clinic } le ha hecho un pedido en Aftercare
email-photo-title = Un pedido de { $clinic }
email-photo-label = Un pedido de su clínica
email-photo-heading = { $clinic } le ha hecho un pedido
email-photo-text = { $clinic } le ha pedido que agregue una foto con su próximo registro.
email-photo-intro = Su clínica le ha pedido que agregue una foto con su próximo registro.
email-photo-button = Entrar para ver el pedido
email-photo-link-text = Entre para ver el pedido: { $link }
email-reminder-label = Recordatorio del registro de { $clinic }
email-reminder-intro = { $clinic } le pide que haga un registro cada día de su recuperación. Le llevará unos treinta segundos.
email-reminder-intro-text = { $clinic } le pide que haga un registro cada día de su recuperación. Le llevará unos treinta segundos: { $link }
email-reminder-stop-text = Para dejar de recibir estos recordatorios de { $clinic }, abra este enlace: { $link }
email-reminder-back-on-text = (Puede volver a activarlos desde su página de inicio de Aftercare.)
email-reminder-stop-html = <a href="{ $link }" style="color:#0b57d0;">Dejar de recibir estos recordatorios de { $clinic }</a>. Puede volver a activarlos desde su <a href="{ $home }" style="color:#0b57d0;">página de inicio de Aftercare</a>.
