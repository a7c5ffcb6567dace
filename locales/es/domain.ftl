# Spanish for the words the domain writes in English (domain keys: see
# src/i18n/mod.rs). Plain everyday words, "usted". Every warning sign keeps
# its own words so no two read alike.

## The check-in questions (src/domain/questions.rs)
q-overall = En general, desde su último registro, su piel está
q-overall-better = Mejorando
q-overall-same = Más o menos igual
q-overall-worse = Empeorando
q-overall-invalid = Elija mejorando, igual o empeorando
q-pain = El peor ardor o dolor desde su último registro
q-pain-low = 0 = sin dolor
q-pain-high = 10 = el peor imaginable
q-pain-invalid = Elija qué tan fuerte fue el peor ardor o dolor, de 0 a 10
q-pain_relief = ¿Le ayuda el medicamento para el dolor?
q-pain_relief-yes = Sí, me ayuda
q-pain_relief-no = No, no me ayuda
q-pain_relief-said-no = El medicamento para el dolor no me ayuda
q-pain_relief-not_taking = No estoy tomando ninguno
q-pain_relief-invalid = Diga si el medicamento para el dolor le ayuda
q-itch = La peor picazón desde su último registro
q-itch-low = 0 = sin picazón
q-itch-high = 10 = la peor imaginable
q-itch-invalid = Elija qué tan fuerte fue la peor picazón, de 0 a 10
q-swelling = ¿Qué tan hinchada está la piel tratada?
q-swelling-invalid = Elija qué tan hinchada, de 0 (nada) a 3 (mucho)
q-eyes_swollen_shut = Tengo los ojos tan hinchados que no se abren, o me cuesta abrirlos
q-redness = ¿Qué tan roja está la piel tratada?
q-redness-invalid = Elija qué tan roja, de 0 (nada) a 3 (mucho)
q-redness_spreading = El enrojecimiento se extiende más allá de la zona tratada, o hay líneas rojas
q-oozing = ¿Le sale líquido de la piel?
q-oozing-none = No
q-oozing-clear = Líquido fino, transparente o amarillo
q-oozing-said-clear = Sale líquido: fino, transparente o amarillo
q-oozing-pus = Espeso, turbio o verde, o huele mal
q-oozing-said-pus = Sale líquido: espeso, turbio o verde, o huele mal
q-oozing-invalid = Elija qué líquido le sale, o ninguno
q-crusts = ¿Hay costras?
q-crusts-none = No
q-crusts-thin = Costras finas y marrones
q-crusts-said-thin = Costras: finas y marrones
q-crusts-yellow = Costras gruesas, amarillas o color miel
q-crusts-said-yellow = Costras: gruesas, amarillas o color miel
q-crusts-invalid = Elija qué costras tiene, o ninguna
q-blisters = Ampollas, o grupos de llagas pequeñas
q-tingling = Hormigueo, o la sensación de que sale un herpes labial (fuego)
q-pimples = Puntos blancos o granitos
q-white_patches = Manchitas blancas
q-rash_outside = Un sarpullido fuera de la zona tratada
q-raw_area = Una zona en carne viva que no se cura
q-lip_swelling_or_breathing = Hinchazón de los labios o la lengua, o dificultad para respirar
q-fever = Tengo fiebre, o me siento caliente y con escalofríos
q-temperature = Su temperatura, si se la tomó (opcional)
q-temperature-hint = En °C, como 37,5, o en °F, como 99,5.
q-temperature-invalid = Escriba su temperatura como un número: de 34 a 43 en °C, o de 93 a 110 en °F
q-vision_change = Un cambio en mi vista
q-eye_pain = Dolor en el ojo, o la luz me molesta en los ojos
q-cannot_close_eye = No puedo cerrar el ojo del todo
q-lid_pulling = El párpado de abajo se me está bajando, o el ojo me llora todo el tiempo
q-bleeding = Un sangrado que no para
q-want_call = Quiero que la clínica me llame
q-prophylaxis = Pastillas que le dio la clínica para prevenir una infección o el herpes labial
q-prophylaxis-hint = Por ejemplo, un antiviral o un antibiótico.
q-prophylaxis-taken = Las tomé como me indicaron
q-prophylaxis-missed = Me salté una dosis
q-prophylaxis-said-missed = Me salté una dosis de las pastillas para prevenir
q-prophylaxis-not_prescribed = No me dieron ninguna
q-prophylaxis-invalid = Diga si tomó las pastillas que le recetaron
q-dark_patches = Manchas más oscuras en la piel
q-light_patches = Manchas más claras o blancas en la piel
q-raised_area = Una zona abultada, dura o tirante
q-raised_area_site = Si es así, ¿dónde está?
q-raised_area_site-neck = Cuello
q-raised_area_site-jawline = Mandíbula
q-raised_area_site-eyelid = Párpado
q-raised_area_site-other = En otro lugar
q-raised_area_site-missing = Diga dónde está la zona abultada, dura o tirante
q-raised_area_site-invalid = Elija cuello, mandíbula, párpado u otro lugar
q-note = Algo que quiera decirle a la clínica (opcional)
q-note-hint = Hasta 2000 caracteres. Si es urgente, mejor llame a la clínica.
q-note-too-long = Su nota es demasiado larga: use menos de 2000 caracteres
q-note-bad-characters = Su nota tiene caracteres que no se pueden guardar: quite los caracteres de control invisibles (suelen venir al pegar texto de otro programa) e inténtelo de nuevo
level-label-0 = 0 – Nada
level-label-1 = 1 – Un poco
level-label-2 = 2 – Bastante
level-label-3 = 3 – Mucho

## How the form groups them
group-pain = Dolor y picazón
group-swelling = Hinchazón y enrojecimiento
group-oozing = Líquido y costras
group-new = ¿Algo nuevo? Marque todo lo que tenga
group-fever = Fiebre
group-eyes = Ojos: marque lo que tenga
group-skin = Cambios en la piel: marque lo que tenga
group-else = Algo más

## The short form's warning signs
sign-eyes = Ojos tan hinchados que no se abren, o enrojecimiento que se extiende o líneas rojas
sign-pain-relief = El medicamento para el dolor no ayuda
sign-oozing = Cualquier líquido que sale de la piel, o costras
sign-spots = Ampollas, llagas, hormigueo, granitos, manchitas blancas, un sarpullido o una zona en carne viva
sign-breathing = Labios o lengua hinchados, o dificultad para respirar
sign-fever = Fiebre, o sentirse caliente y con escalofríos
sign-eye-trouble = Problemas en los ojos: la vista, dolor en el ojo, la luz que molesta, no poder cerrar el ojo, el párpado de abajo
sign-patches = Manchas más oscuras o más claras, o una zona abultada, dura o tirante
sign-missed-dose = Se saltó una dosis de las pastillas que le dio la clínica
sign-bleeding = Un sangrado que no para
sign-call = Quiere que le llamen, o quiere decirle algo a la clínica
checkin-signs-invalid = Elija “Nada de esto” o “Sí, algo de esto”

## The day of a check-in (src/app/checkin.rs)
date-invalid = Escriba la fecha como año-mes-día, por ejemplo 2026-03-14
date-future = No puede hacer el registro de un día que todavía no ha llegado
date-before-treatment = Ese día es anterior a su tratamiento
date-too-old = Puede completar un día que se le pasó hasta 3 días atrás

## What the result says (src/triage/advice.rs)
advice-emergency = Llame ahora al número de emergencias. Un sarpullido con hinchazón de los labios o la lengua, o con dificultad para respirar, necesita ayuda de inmediato. Después avise a la clínica.
advice-call-clinic = Por favor, llame a la clínica ahora. Si es grave o la clínica está cerrada, busque atención de urgencia.
advice-review = Gracias. La clínica revisará sus respuestas, normalmente el siguiente día laborable. Si se siente peor antes, llame a la clínica.
advice-normal = Gracias. Nada en sus respuestas necesita la atención de la clínica hoy.
normal-full-early = La hinchazón suele ser mayor en los días 1 a 3. Es normal que la piel tratada suelte un líquido transparente o amarillento en los primeros días después de este tratamiento. Si algo le preocupa, llame a la clínica.
normal-full-crusts = Hacia los días 4 y 5 el líquido suele parar y se forman costras. La picazón es común mientras la piel se cura. Si algo le preocupa, llame a la clínica.
normal-full-peeling = Es común que la piel se pele hacia los días 5 a 7. La picazón es común mientras la piel se cura. Si algo le preocupa, llame a la clínica.
normal-co2-late = Es normal que la piel siga rosada durante semanas o meses después de este tratamiento; se va aclarando poco a poco. La picazón es común mientras la piel se cura. Si algo le preocupa, llame a la clínica.
normal-erbium-late = Puede quedar algo de color rosado durante unas semanas, que se va aclarando poco a poco. La picazón es común mientras la piel se cura. Si algo le preocupa, llame a la clínica.
normal-fractional-early = La hinchazón suele ser mayor en los días 1 a 3 y luego baja. Si algo le preocupa, llame a la clínica.
normal-fractional-peeling = Es común que la piel se pele hacia los días 5 a 7. La picazón es común mientras la piel se cura. Si algo le preocupa, llame a la clínica.
normal-fractional-late = Puede quedar algo de color rosado durante unas semanas, que se va aclarando poco a poco. La picazón es común mientras la piel se cura. Si algo le preocupa, llame a la clínica.
normal-nonablative-early = Es habitual tener algo de hinchazón y enrojecimiento los primeros días; se calma en pocos días. Después de este tratamiento no debería salir ningún líquido de la piel. Si algo le preocupa, llame a la clínica.
normal-nonablative-late = La hinchazón y el enrojecimiento ya deberían haberse calmado. Después de este tratamiento no debería salir ningún líquido de la piel. Si algo le preocupa, llame a la clínica.
normal-ipl-early = Es habitual tener algo de enrojecimiento o hinchazón el primer día o dos; se calma pronto. Después de este tratamiento no deberían salir líquido ni ampollas. Si algo le preocupa, llame a la clínica.
normal-ipl-late = El enrojecimiento y la hinchazón ya deberían haberse calmado. Después de este tratamiento no deberían salir líquido ni ampollas. Si algo le preocupa, llame a la clínica.

## Procedures (src/domain/procedure.rs)
procedure-ablative_full_co2 = láser de CO2 totalmente ablativo
procedure-ablative_full_erbium = láser de erbio totalmente ablativo
procedure-ablative_fractional = láser ablativo fraccionado
procedure-nonablative_fractional = láser fraccionado no ablativo
procedure-ipl = luz pulsada intensa (IPL)
procedure-peel_medium = peeling químico medio

## Mensajes escritos en el código (src/web, src/app)
form-unreadable = El formulario era demasiado grande o no se pudo leer. Vuelva atrás y envíelo otra vez.
photo-not-received = No pudimos recibir la foto. Revise su conexión e inténtelo de nuevo.
photo-remove-too-late = Una foto solo se puede quitar el mismo día en que se agregó. Si no debería estar en su historial, llame a la clínica.
home-reminders-choose = Elija si quiere recibir correos de recordatorio.
home-language-choose = Elija English o Español.
