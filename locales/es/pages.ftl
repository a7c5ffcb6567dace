# Todo lo que un paciente lee en una página, en español. Las claves que
# terminan en -html llevan marcas HTML.

## Partes comunes
skip-to-content = Ir al contenido
footer = Aftercare apoya la atención de su clínica; no la sustituye. En una emergencia, llame al número de emergencias de su zona.
emergency-sentence = En una emergencia, llame al número de emergencias de su zona.
nav-label = Sus páginas
nav-home = Inicio
nav-history = Historial
sign-out = Cerrar sesión
back-home = Volver a su página de inicio
check-in-now = Hacer el registro ahora
title-error-prefix = Error:{" "}
error-prefix = Error:
language-switch-label = Idioma
call-worried = ¿Le preocupa algo? Llame a { $clinic }.
call-worried-phone-html = ¿Le preocupa algo? Llame a { $clinic } al { $phone }.
call-questions = ¿Tiene preguntas o algo le preocupa? Llame a { $clinic }.
call-questions-phone-html = ¿Tiene preguntas o algo le preocupa? Llame a { $clinic } al { $phone }.
call-questions-short = ¿Tiene preguntas? Llame a { $clinic }.
call-questions-short-phone-html = ¿Tiene preguntas? Llame a { $clinic } al { $phone }.
after-your-treatment = Después de su { $procedure } del { $date }.

## Números y fechas
decimal-separator = ,
weekday-1 = lunes
weekday-2 = martes
weekday-3 = miércoles
weekday-4 = jueves
weekday-5 = viernes
weekday-6 = sábado
weekday-7 = domingo
weekday-short-1 = lun
weekday-short-2 = mar
weekday-short-3 = mié
weekday-short-4 = jue
weekday-short-5 = vie
weekday-short-6 = sáb
weekday-short-7 = dom
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre
month-short-1 = ene
month-short-2 = feb
month-short-3 = mar
month-short-4 = abr
month-short-5 = may
month-short-6 = jun
month-short-7 = jul
month-short-8 = ago
month-short-9 = sept
month-short-10 = oct
month-short-11 = nov
month-short-12 = dic
# "lunes, 2 de marzo de 2026", "lunes, 2 de marzo", "lun 2 mar".
date-long = { $weekday }, { $day } de { $month } de { $year }
date-no-year = { $weekday }, { $day } de { $month }
date-short = { $weekday } { $day } { $month }

## Inicio
home-title = Su recuperación
home-hello = Hola, { $name }
home-photo-requested = { $clinic } le ha pedido una foto de la zona tratada. Agréguela con su próximo registro: después de guardar sus respuestas, elija “Agregar una foto de la zona”.
home-no-treatment = Su clínica todavía no ha agregado un tratamiento.
home-day-after = Día { $day } después de su { $procedure }
home-treated-on = Tratamiento del { $date }.
home-badge-done = Hecho
home-done-today = El registro de hoy: hecho. Gracias.
home-badge-due = Pendiente
home-due-today = Hoy le toca hacer el registro.
home-next-due = Próximo registro: { $date }.
home-finished = Sus registros de este tratamiento han terminado.
home-update-today = Cambiar el registro de hoy
home-your-history = Su historial
home-your-procedure = Su { $procedure }
home-booked = Programado para el { $date }. Sus registros empiezan ese día.
home-reminders-title = Correos de recordatorio
home-reminders-on = Los correos de recordatorio están activados. Si le toca un registro y no lo ha hecho a las { $time }, le enviamos un correo. El correo no dice nada sobre su salud.
home-reminders-off = Los correos de recordatorio están desactivados.
home-reminders-turn-off = Desactivar los correos de recordatorio
home-reminders-turn-on = Activar los correos de recordatorio
home-language-title = Idioma
home-language-label = El idioma de sus páginas y correos
home-language-save = Guardar el idioma
home-language-saved = Sus páginas y correos ahora están en español.
home-today = Hoy
home-next-today = hoy
home-next-tomorrow = mañana
home-next-date = { $date } (día { $day })

## El formulario del registro
checkin-title = Registro
checkin-heading-today = Registro de hoy: día { $day }
checkin-heading-other = Registro del { $date }: día { $day }
checkin-photo-requested = { $clinic } le ha pedido una foto. Primero guarde sus respuestas; en la página siguiente puede agregar una foto de la zona.
checkin-check-answers = { $count ->
    [one] Por favor, revise esta respuesta
   *[other] Por favor, revise estas respuestas
  }
checkin-back-fill-html = Está completando un día que se le pasó: <strong>{ $date }</strong>. Responda por ese día, no por hoy.
checkin-already = Ya hizo el registro de este día. Si lo envía otra vez, se actualizará. Sus respuestas ya están puestas.
checkin-since-last-html = Responda por el tiempo <strong>desde su último registro</strong>.
checkin-half-minute = Le llevará más o menos medio minuto.
checkin-date-label = El día de este registro (año-mes-día)
checkin-send = Enviar mi registro
checkin-other-days = { $days ->
    [one] ¿Se le pasó un día? Puede completar 1 día atrás:
   *[other] ¿Se le pasó un día? Puede completar hasta { $days } días atrás:
  }
checkin-day-done = (hecho)
checkin-day-link = { $date } (día { $day })
checkin-none-but-reported = Respondió “Nada de esto”, pero también marcó: { $signs }. Elija “Sí, algo de esto”, o desmárquelo.
signs-legend = Desde su último registro, ¿ha tenido algo de esto?
signs-none = Nada de esto: enviar mi registro
signs-some = Sí, algo de esto: siguiente
checkin-closed-title = Su seguimiento ha terminado
checkin-closed-text = Su clínica cerró el seguimiento de su recuperación, así que ya nadie lee los registros. Si algo le preocupa, llame a la clínica.
checkin-no-treatment-title = Todavía no hay tratamiento
checkin-no-treatment-text = Su clínica todavía no ha agregado un tratamiento para usted. Los registros empiezan el día de su tratamiento.
checkin-not-yet-title = Todavía no
checkin-not-yet-text = Sus registros empiezan el día de su tratamiento, { $date }.
history-no-treatment-text = Su clínica todavía no ha agregado un tratamiento para usted, así que no hay historial que mostrar.

## Lo que el paciente contó, en una frase
said-temperature = Temperatura { $celsius } °C ({ $fahrenheit } °F)
said-scale = { $question }: { $score } de 10
said-level = { $question } { $level }
level-0 = nada
level-1 = un poco
level-2 = bastante
level-3 = mucho
overall-better = mejorando
overall-same = más o menos igual
overall-worse = empeorando

## Resultado
result-emergency-title = Llame ahora al número de emergencias
result-call-title = Llame a la clínica ahora
result-saved-title = Registro guardado
result-saved = Su registro del { $date } (día { $day }) está guardado.
result-updated = Su registro del { $date } (día { $day }) está actualizado.
result-clinic-number-html = El número de la clínica es { $phone }.
result-call-now = Llame a la clínica ahora.
result-call-now-phone-html = Llame a la clínica ahora al { $phone }.
result-severe-or-closed = Si es grave o la clínica está cerrada, busque atención de urgencia.
result-clinic-told = También le avisamos a { $clinic } sobre sus respuestas.
result-review-title = La clínica va a revisar esto
result-review-text = La clínica lo revisará el siguiente día laborable. Si se siente peor antes, llame a { $clinic }.
result-review-text-phone-html = La clínica lo revisará el siguiente día laborable. Si se siente peor antes, llame a { $clinic } al { $phone }.
result-thanks = Gracias
result-normal-title = Qué es normal ahora
result-see-history = Ver sus registros y gráficos
result-change = Cambiar estas respuestas
result-call-button = Llamar a la clínica
result-earlier-day-html = <strong>Estas respuestas eran del { $date }, un día anterior.</strong> ¿Sigue igual hoy? Si es así, llame a la clínica ahora.
result-because = Porque nos dijo

## Historial
history-title = Sus registros
history-treatments = Sus tratamientos
history-charts = Gráficos
history-legend = La zona sombreada es lo esperado para ese día. Un rombo rojo marca un valor que alertó a la clínica; un cuadrado marrón, uno que la clínica va a revisar; cada uno está en el gráfico del síntoma al que se refiere. Un hueco en la línea es un día sin registro. La tabla de abajo da los mismos números.
history-day-by-day = Día a día
history-none = Todavía no hay registros.
history-entry-heading = Día { $day } · { $date }
history-amended = (cambiado después de enviarlo)
history-summary = En general { $overall }. Dolor { $pain }, picazón { $itch }, hinchazón { $swelling }, enrojecimiento { $redness }.
history-your-note = Su nota: { $note }
history-table-title = Los números de los gráficos
history-col-day = Día
history-col-date = Fecha
history-col-pain = Dolor
history-col-itch = Picazón
history-col-swelling = Hinchazón
history-col-redness = Enrojecimiento
history-col-flag = Aviso
history-sev-urgent = Urgente: se avisó a la clínica
history-sev-review = La clínica lo revisará
history-sev-info = Anotado para la clínica
history-sev-none = Nada que avisar
history-treatment-link = { $procedure }, { $date }
chart-pain-title = El peor ardor o dolor por día
chart-pain-axis = Dolor (0–10)
chart-itch-title = La peor picazón por día
chart-itch-axis = Picazón (0–10)
chart-swelling-title = Hinchazón por día
chart-swelling-axis = Hinchazón (0–3)
chart-redness-title = Enrojecimiento por día
chart-redness-axis = Enrojecimiento (0–3)
chart-expected = Lo esperado
chart-expected-swelling = Hinchazón esperada
chart-expected-redness = Enrojecimiento esperado
chart-itch-common = La picazón es común mientras la piel se cura.

## Fotos
photo-title = Agregar una foto de la zona
photo-requested = Su clínica le ha pedido una foto. Si la agrega aquí, se la enviamos.
photo-intro = Una foto ayuda a la clínica a ver cómo se está curando su piel. Sus respuestas ya están guardadas, pase lo que pase con la foto.
photo-alt = Su foto { $number } de este registro (abre el tamaño completo)
photo-remove = Quitar la foto { $number }
photo-input-label = Tomar o elegir una foto
photo-hint = JPEG, PNG, WebP o HEIC, de hasta 15 MB. Hasta { $max } fotos en cada registro. Las fotos se guardan sin el lugar ni los datos de la cámara.
photo-send = Enviar la foto
photo-full = Este registro ya tiene { $max } fotos, el máximo posible.
photo-refused-title = La foto no se agregó
photo-refused-saved = Su registro está guardado: solo falta la foto.
photo-back-to-checkin = Volver a su registro
photo-home = Su página de inicio

## Entrar, invitaciones, cambio de contraseña
login-title = Entrar
login-email = Correo electrónico
login-password = Contraseña
login-button = Entrar
login-forgot = ¿Olvidó su contraseña?
login-not-set-up-html = Aftercare todavía no está configurado. Abra el enlace de configuración que mostró <code>aftercare serve</code> al arrancar.
login-wrong = Ese correo y esa contraseña no coinciden con ninguna cuenta. Revíselos e inténtelo de nuevo.
forgot-title = ¿Olvidó su contraseña?
forgot-sent-html = Si <strong>{ $email }</strong> es de una cuenta de Aftercare, le enviamos un enlace para elegir una contraseña nueva. El enlace sirve una sola vez, durante 1 hora.
forgot-no-email = ¿No le llegó el correo en unos minutos? Mire en la carpeta de correo no deseado, revise la dirección o pida ayuda a su clínica.
forgot-back = Volver a entrar
forgot-intro = Escriba el correo electrónico con el que entra. Le enviaremos un enlace para elegir una contraseña nueva.
forgot-button = Enviarme un enlace
forgot-bad-email = Escriba un correo electrónico como nombre@ejemplo.org
invite-title = Elija su contraseña
invite-intro = Bienvenido a Aftercare. Elija una contraseña para terminar de preparar su cuenta. Use al menos 8 caracteres; unas cuantas palabras sin relación entre sí funcionan bien.
invite-button = Guardar la contraseña y seguir
reset-title = Elija una contraseña nueva
reset-intro = Elija una contraseña nueva para su cuenta. Use al menos 8 caracteres; unas cuantas palabras sin relación entre sí funcionan bien. Se cerrará su sesión en todos los demás lugares.
reset-button = Guardar la contraseña nueva
password-new = Contraseña nueva
password-new-hint = Al menos 8 caracteres.
password-confirm = Escriba otra vez la contraseña nueva
password-check = Por favor, revise estas respuestas
password-too-short = use al menos 8 caracteres
password-too-long = use como máximo 128 caracteres
password-common = esta contraseña es demasiado común: elija otra (unas cuantas palabras sin relación entre sí funcionan bien)
password-control = una contraseña no puede tener caracteres de control invisibles: escríbala otra vez
password-mismatch = las dos contraseñas no son iguales: escríbala otra vez
link-invalid-title = Este enlace ya no funciona
link-invalid-invite = Los enlaces de invitación sirven una sola vez y durante 7 días. Este ya se usó o ya venció.
link-invalid-invite-next-html = Si ya eligió una contraseña, <a href="/login">entre</a>. Si no, pida a su clínica que le envíe una invitación nueva, o <a href="/forgot">pida un enlace para elegir una contraseña</a>.
link-invalid-reset = Los enlaces para cambiar la contraseña sirven una sola vez y durante 1 hora. Este ya se usó o ya venció.
link-invalid-reset-next-html = <a href="/forgot">Pida un enlace nuevo</a>, o <a href="/login">entre</a> si recuerda su contraseña.
notice-signed-out = Ha cerrado la sesión.
notice-password = Su contraseña está lista. Entre con ella ahora.
notice-signed-out-everywhere = Ha cerrado la sesión en todos sus dispositivos.
notice-changed = Su contraseña ha cambiado. Se cerró la sesión en todos los demás dispositivos donde había entrado.
chart-days-axis = Días desde el tratamiento
chart-caption = { $lead }: { $expected }.
chart-summary = Del día { $first } al día { $last }: lo más bajo { $lowest }, lo más alto { $highest }, lo último { $latest } el día { $last }.
chart-flagged = Marcado: el valor del día { $days }.
chart-gaps = Sin registro el día { $days }: la línea se interrumpe ahí.
expected-none = nada
expected-at-most = { $value } o menos
expected-from-day = { $words } desde el día { $day }
expected-any = cualquier nivel
expected-any-before = { $parts }; cualquier nivel antes de eso

## Dejar de recibir recordatorios desde el enlace del correo
unsubscribe-done-title = Los recordatorios están desactivados
unsubscribe-title = Dejar de recibir recordatorios de { $clinic }
unsubscribe-invalid-title = Este enlace no funciona
unsubscribe-done-notice = { $clinic } ya no le enviará correos para recordarle el registro.
unsubscribe-done-text = Por favor, siga haciendo su registro cada día: su clínica sigue leyendo lo que envía. Puede volver a activar los recordatorios desde su página de inicio de Aftercare.
unsubscribe-question = ¿Dejar de recibir los recordatorios del registro de { $clinic }?
unsubscribe-explain = Ya no recibirá un correo cuando le toque un registro. Su clínica sigue leyendo cada registro que envíe.
unsubscribe-button = Dejar de recibir los recordatorios
unsubscribe-invalid-text = Puede que ya se haya usado, o que tenga más de { $days } días. Si le siguen llegando recordatorios, entre en Aftercare y desactívelos en su página de inicio.
unsubscribe-go = Ir a Aftercare

## Páginas de error (src/web/error.rs: una sola correspondencia de error a palabras)
error-start = Ir a la página de inicio
error-status = Error { $status }
error-not-found-title = No encontramos esta página
error-not-found = Aquí no hay nada. Revise la dirección, o vuelva al inicio.
error-forbidden-title = No tiene permiso
error-forbidden = Su cuenta no puede ver esta página.
error-csrf-title = Por favor, inténtelo de nuevo
error-csrf = No pudimos aceptar este formulario: puede que llevara demasiado tiempo abierto, o que viniera de otro sitio. Vuelva a cargar la página y envíelo otra vez.
error-too-many-title = Demasiados intentos
error-too-many-seconds = Por su seguridad, espere { $seconds ->
        [one] { $seconds } segundo
       *[other] { $seconds } segundos
    } antes de volver a intentarlo.
error-too-many-minutes = Por su seguridad, espere { $minutes ->
        [one] { $minutes } minuto
       *[other] { $minutes } minutos
    } antes de volver a intentarlo.
error-invalid-title = Por favor, revise sus respuestas
error-conflict-title = No se pudo hacer
error-not-a-form-title = No es un formulario
error-not-a-form = Esta dirección solo acepta formularios enviados desde las páginas de Aftercare.
error-internal-title = Algo salió mal
error-internal = No pudimos terminar lo que pidió. No se perdió nada de lo que escribió antes. Inténtelo de nuevo en un momento.

## Por qué no se agregó una foto (src/web/patient/photos.rs: `reason`)
photo-refused-empty = El archivo está vacío. Elija una foto e inténtelo de nuevo.
photo-refused-too-big = La foto pesa más de 15 MB. Elija una más pequeña, o tome la foto otra vez con un tamaño menor.
photo-refused-not-an-image = Este archivo no es una foto que podamos abrir. Envíe una foto JPEG, PNG, WebP o HEIC.
photo-refused-too-many-pixels = Esta imagen mide { $width } × { $height } píxeles, más de lo que aceptamos (40 megapíxeles). Tome la foto otra vez con un tamaño normal.
photo-refused-too-large = Esta imagen es demasiado grande para abrirla. Tome la foto otra vez con un tamaño normal.
photo-refused-corrupt = No pudimos abrir esta foto: el archivo está dañado o incompleto. Tómela otra vez, o elija otra.
photo-refused-polyglot = Este archivo lleva algo más que una foto, así que no lo aceptamos. Envíe la foto directamente desde la cámara o la galería.
photo-refused-heic = Este sistema no puede abrir fotos HEIC. En un iPhone, elija Ajustes › Cámara › Formatos › Más compatible, o envíe una captura de pantalla de la foto.
photo-refused-too-many-at-once = Elija { $max } fotos como máximo.
photo-refused-full = Este registro ya tiene { $max } fotos. Quite una para agregar otra.

## Su cuenta (contraseña, dónde ha entrado)
account-title = Su cuenta
account-nav-label = Cuenta
account-back = Volver a mis páginas
account-password-title = Cambiar su contraseña
account-current = Contraseña actual
account-new-hint = Al menos 8 caracteres. Unas cuantas palabras sin relación entre sí funcionan bien.
account-change-button = Cambiar la contraseña
account-change-signs-out = Al cambiar su contraseña se cierra la sesión en todos los demás dispositivos.
account-current-missing = escriba su contraseña actual
account-current-wrong = esa no es su contraseña actual: revísela e inténtelo de nuevo
account-sessions-title = Dónde ha entrado
account-this-device = Este dispositivo
account-address = Dirección
account-signed-in = Entró
account-last-seen = Visto por última vez
account-sign-out-session = Cerrar esta sesión
account-session-label = : { $browser }, entró el { $started }
account-everywhere-title = Cerrar la sesión en todas partes
account-everywhere-text = ¿Perdió un teléfono, o entró en una computadora compartida? Esto cierra la sesión en todos los dispositivos, también en este.
account-everywhere-button = Cerrar la sesión en todas partes
account-browser-on = { $browser } en { $system }
account-a-browser-on = Un navegador en { $system }
account-unknown-browser = Navegador desconocido
account-unknown-address = dirección desconocida
account-when = { $day } { $month } { $year }, { $time } UTC
home-account-link = Su contraseña y los dispositivos donde ha entrado
notice-session-ended = Esa sesión está cerrada.
notice-session-gone = Esa sesión ya había terminado.
