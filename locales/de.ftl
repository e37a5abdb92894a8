# vidreply recorder — Deutsch (Übersetzung der englischen Referenz: genau dieselben Schlüssel).

title-customer = Videoantwort aufnehmen
title-agent = Videoantwort aufnehmen
intro = Wir bitten um Zugriff auf Ihre Kamera und Ihr Mikrofon, damit Sie eine kurze Videoantwort aufnehmen können. Es wird nichts aufgenommen, bevor Sie auf „Aufnahme starten“ tippen.
intro-agent = Nehmen Sie eine kurze Videoantwort für diese Unterhaltung auf. Nach dem Senden erhalten Sie einen Link, den Sie mit dem Kunden teilen können.
opening = Warten auf Kamerafreigabe…
preview = Kamera bereit. Tippen Sie auf „Aufnahme starten“, sobald Sie so weit sind.
countdown = Die Aufnahme beginnt in { $seconds }…
recording = Aufnahme läuft…
paused = Pausiert. Tippen Sie auf „Fortsetzen“, um weiter aufzunehmen.
review = Aufnahme beendet. Sehen Sie sie sich an und senden Sie sie dann oder nehmen Sie neu auf.
interrupted = Die Aufnahme wurde beendet, weil Kamera oder Mikrofon nicht mehr verfügbar sind (durch einen Anruf oder eine entzogene Berechtigung). Das bisher Aufgenommene bleibt erhalten: Senden Sie es oder nehmen Sie neu auf.
resume = Ihre vorherige Aufnahme wurde auf diesem Gerät gespeichert. Sie können sie jetzt senden.
sending = Wird gesendet… { $percent } %
sending-eta = Wird gesendet… { $percent } % · noch etwa { $seconds } s
sent = Gesendet
sent-detail = Ihr Video wurde gesendet. Sie können diese Seite jetzt schließen.
sent-agent = Ihr Video ist fertig. Kopieren Sie den Link oder senden Sie ihn an den Kunden.
limit-reached = Die Aufnahme wurde bei der maximalen Länge von { $limit } beendet.
camera-released = Die Kamera wurde ausgeschaltet, während diese Seite im Hintergrund war. Schalten Sie sie wieder ein, sobald Sie so weit sind.
file-chosen = Die ausgewählte Videodatei wird gesendet.

err-denied = Der Kamerazugriff wurde blockiert. Erlauben Sie Kamera und Mikrofon in den Website-Einstellungen Ihres Browsers und versuchen Sie es erneut – oder laden Sie stattdessen eine Videodatei hoch.
err-no-camera = Es wurde keine Kamera gefunden. Schließen Sie eine Kamera an und versuchen Sie es erneut, oder laden Sie stattdessen eine Videodatei hoch.
err-in-use = Die Kamera wird von einer anderen App oder einem anderen Tab verwendet. Schließen Sie diese bzw. diesen und versuchen Sie es erneut, oder laden Sie stattdessen eine Videodatei hoch.
err-insecure = Die Kamera funktioniert nur auf einer sicheren Seite (https). Öffnen Sie den Link genau so, wie Sie ihn erhalten haben, oder laden Sie stattdessen eine Videodatei hoch.
err-unsupported = Dieser Browser kann keine Videos aufnehmen. Laden Sie stattdessen eine Videodatei hoch oder verwenden Sie eine aktuelle Version von Chrome, Safari, Firefox oder Edge.
err-other = Die Kamera konnte nicht gestartet werden ({ $detail }). Versuchen Sie es erneut oder laden Sie stattdessen eine Videodatei hoch.
err-journal = Dieser Browser kann die Aufnahme auf diesem Gerät nicht sicher speichern (ist der private Modus aktiv?). Versuchen Sie es erneut oder laden Sie stattdessen eine Videodatei hoch.
err-send-kept = { $message } Ihre Aufnahme bleibt auf diesem Gerät gespeichert; Sie können es erneut versuchen.
err-file-type = Diese Datei ist kein Video. Wählen Sie eine Videodatei (MP4, WebM oder MOV).
err-file-empty = Diese Datei ist leer. Wählen Sie eine andere Videodatei.
bad-link = Dieser Link ist unvollständig: Es fehlt das Zugriffstoken. Fordern Sie einen neuen Link an.
notice-low-space = Auf diesem Gerät sind nur noch etwa { $mb } MB für Aufnahmen frei (ungefähr { $minutes } Minuten Video). Schaffen Sie Platz, bevor Sie eine lange Aufnahme machen.
notice-stale = Eine nie gesendete Aufnahme von { $when } kann nicht mehr gesendet werden (ihr Link ist abgelaufen) und wurde von diesem Gerät entfernt.

btn-allow = Kamera erlauben
btn-start = Aufnahme starten
btn-cancel = Abbrechen
btn-stop = Stopp
btn-pause = Pause
btn-resume = Fortsetzen
btn-send = Senden
btn-retake = Neu aufnehmen
btn-resume-send = Senden fortsetzen
btn-discard = Verwerfen und neu aufnehmen
btn-upload-file = Videodatei hochladen
btn-switch-back = Rückkamera
btn-switch-front = Frontkamera
btn-copy = Link kopieren
btn-copied = Link kopiert
btn-send-customer = An Kunden senden

label-camera = Kamera
label-microphone = Mikrofon
label-level = Mikrofonpegel
label-preview = Kameravorschau
label-review = Ihre Aufnahme
label-progress = Upload-Fortschritt
label-elapsed = Verstrichen
label-remaining = Verbleibend
label-share = Link zum Teilen
label-channel = Kanal
label-address = Adresse des Kunden
label-subject = Nachricht
label-language = Sprache

channel-sms = SMS
channel-email = E-Mail
channel-whatsapp = WhatsApp
channel-webmessaging = Web-Messaging
agent-subject = Eine Videoantwort von Ihrem Support-Team
agent-sent = Der Link wurde per { $channel } gesendet.
agent-send-failed = Der Link konnte nicht gesendet werden: { $message }
agent-unreachable = Der Server ist nicht erreichbar. Bitte versuchen Sie es erneut.

## Watch page
watch-title = Videonachricht
watch-intro = Drücken Sie auf Video starten, wenn Sie bereit sind. Es wird mit Ton abgespielt.
watch-start = Video starten
watch-label-video = Videonachricht
watch-loading = Das Video wird geladen…
watch-playing = Wird abgespielt.
watch-paused = Pausiert.
watch-ended = Sie haben das Ende des Videos erreicht.
watch-cannot-play = Dieses Video kann in diesem Browser nicht abgespielt werden.
watch-download = Stattdessen das Video herunterladen
