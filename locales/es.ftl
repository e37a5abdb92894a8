# vidreply recorder — Español (traducción de la referencia en inglés: exactamente las mismas claves).

title-customer = Graba una respuesta en video
title-agent = Grabar una respuesta en video
intro = Te pediremos acceso a tu cámara y a tu micrófono para que grabes una breve respuesta en video. No se graba nada hasta que pulses Iniciar grabación.
intro-agent = Graba una breve respuesta en video para esta conversación. Al enviarla, recibirás un enlace para compartir con el cliente.
opening = Esperando el permiso de la cámara…
preview = Cámara lista. Pulsa Iniciar grabación cuando quieras.
countdown = La grabación empieza en { $seconds }…
recording = Grabando…
paused = En pausa. Pulsa Reanudar para seguir grabando.
review = Grabación terminada. Mírala y luego envíala o vuelve a grabar.
interrupted = La grabación se detuvo porque se perdió el acceso a la cámara o al micrófono (por una llamada o porque se retiró el permiso). Lo que grabaste hasta ahora se conserva: envíalo o vuelve a grabar.
resume = Tu grabación anterior se guardó en este dispositivo. Puedes enviarla ahora.
sending = Enviando… { $percent } %
sending-eta = Enviando… { $percent } % · quedan unos { $seconds } s
sent = Enviado
sent-detail = Tu video se envió. Ya puedes cerrar esta página.
sent-agent = Tu video está listo. Copia el enlace o envíaselo al cliente.
limit-reached = La grabación se detuvo al alcanzar la duración máxima de { $limit }.
camera-released = La cámara se apagó mientras esta página estaba oculta. Vuelve a encenderla cuando quieras.
file-chosen = Enviando el archivo de video que elegiste.

err-denied = Se bloqueó el acceso a la cámara. Permite la cámara y el micrófono en la configuración del sitio de tu navegador y vuelve a intentarlo, o sube un archivo de video.
err-no-camera = No se encontró ninguna cámara. Conecta una cámara y vuelve a intentarlo, o sube un archivo de video.
err-in-use = Otra app o pestaña está usando la cámara. Ciérrala y vuelve a intentarlo, o sube un archivo de video.
err-insecure = La cámara solo funciona en una página segura (https). Abre el enlace tal como lo recibiste, o sube un archivo de video.
err-unsupported = Este navegador no puede grabar video. Sube un archivo de video o prueba con una versión actual de Chrome, Safari, Firefox o Edge.
err-other = No se pudo iniciar la cámara ({ $detail }). Vuelve a intentarlo o sube un archivo de video.
err-journal = Este navegador no puede guardar la grabación de forma segura en este dispositivo (¿estás en modo privado?). Vuelve a intentarlo o sube un archivo de video.
err-send-kept = { $message } Tu grabación sigue guardada en este dispositivo; puedes volver a intentarlo.
err-file-type = Ese archivo no es un video. Elige un archivo de video (MP4, WebM o MOV).
err-file-empty = Ese archivo está vacío. Elige otro archivo de video.
bad-link = Este enlace está incompleto: le falta el token de acceso. Pide un enlace nuevo.
notice-low-space = Este dispositivo solo tiene unos { $mb } MB libres para grabaciones (aproximadamente { $minutes } minutos de video). Libera espacio antes de una grabación larga.
notice-stale = Una grabación de { $when } que nunca se envió ya no se puede enviar (su enlace caducó) y se eliminó de este dispositivo.

btn-allow = Permitir cámara
btn-start = Iniciar grabación
btn-cancel = Cancelar
btn-stop = Detener
btn-pause = Pausar
btn-resume = Reanudar
btn-send = Enviar
btn-retake = Repetir
btn-resume-send = Reanudar el envío
btn-discard = Descartar y volver a grabar
btn-upload-file = Subir un archivo de video
btn-switch-back = Cámara trasera
btn-switch-front = Cámara frontal
btn-copy = Copiar enlace
btn-copied = Enlace copiado
btn-send-customer = Enviar al cliente

label-camera = Cámara
label-microphone = Micrófono
label-level = Nivel del micrófono
label-preview = Vista previa de la cámara
label-review = Tu grabación
label-progress = Progreso del envío
label-elapsed = Transcurrido
label-remaining = Restante
label-share = Enlace para compartir
label-channel = Canal
label-address = Dirección del cliente
label-subject = Mensaje
label-language = Idioma

channel-sms = SMS
channel-email = Correo electrónico
channel-whatsapp = WhatsApp
channel-webmessaging = Mensajería web
agent-subject = Una respuesta en video de tu equipo de soporte
agent-sent = El enlace se envió por { $channel }.
agent-send-failed = No se pudo enviar el enlace: { $message }
agent-unreachable = No se pudo contactar con el servidor. Inténtalo de nuevo.

## Watch page
watch-title = Mensaje de vídeo
watch-intro = Pulsa Iniciar vídeo cuando estés listo. Se reproduce con sonido.
watch-start = Iniciar vídeo
watch-label-video = Mensaje de vídeo
watch-loading = Cargando el vídeo…
watch-playing = Reproduciendo.
watch-paused = En pausa.
watch-ended = Has llegado al final del vídeo.
watch-cannot-play = Este vídeo no se puede reproducir en este navegador.
watch-download = Descargar el vídeo en su lugar
