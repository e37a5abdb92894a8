# vidreply recorder — Français (traduction de la référence anglaise : exactement les mêmes clés).

title-customer = Enregistrez une réponse vidéo
title-agent = Enregistrer une réponse vidéo
intro = Nous allons vous demander l'accès à votre caméra et à votre micro pour que vous puissiez enregistrer une courte réponse vidéo. Rien n'est enregistré tant que vous n'appuyez pas sur Enregistrer.
intro-agent = Enregistrez une courte réponse vidéo pour cette conversation. Une fois la vidéo envoyée, vous obtenez un lien à partager avec le client.
opening = En attente de l'autorisation de la caméra…
preview = Caméra prête. Appuyez sur Enregistrer quand vous voulez.
countdown = L'enregistrement commence dans { $seconds }…
recording = Enregistrement…
paused = En pause. Appuyez sur Reprendre pour continuer l'enregistrement.
review = Enregistrement terminé. Regardez-le, puis envoyez-le ou recommencez.
interrupted = L'enregistrement s'est arrêté, car la caméra ou le micro n'est plus disponible (un appel, ou une autorisation retirée). Ce que vous avez déjà enregistré est conservé : envoyez-le ou recommencez.
resume = Votre enregistrement précédent a été conservé sur cet appareil. Vous pouvez l'envoyer maintenant.
sending = Envoi… { $percent } %
sending-eta = Envoi… { $percent } % · il reste environ { $seconds } s
sent = Envoyé
sent-detail = Votre vidéo a été envoyée. Vous pouvez fermer cette page.
sent-agent = Votre vidéo est prête. Copiez le lien ou envoyez-le au client.
limit-reached = L'enregistrement s'est arrêté à la durée maximale de { $limit }.
camera-released = La caméra a été éteinte pendant que cette page était masquée. Rallumez-la quand vous voulez.
file-chosen = Envoi du fichier vidéo que vous avez choisi.

err-denied = L'accès à la caméra a été bloqué. Autorisez la caméra et le micro dans les paramètres du site de votre navigateur, puis réessayez — ou importez plutôt un fichier vidéo.
err-no-camera = Aucune caméra n'a été trouvée. Branchez une caméra et réessayez, ou importez plutôt un fichier vidéo.
err-in-use = La caméra est utilisée par une autre application ou un autre onglet. Fermez-le et réessayez, ou importez plutôt un fichier vidéo.
err-insecure = La caméra ne fonctionne que sur une page sécurisée (https). Ouvrez le lien exactement tel que vous l'avez reçu, ou importez plutôt un fichier vidéo.
err-unsupported = Ce navigateur ne peut pas enregistrer de vidéo. Importez plutôt un fichier vidéo, ou essayez une version récente de Chrome, Safari, Firefox ou Edge.
err-other = Impossible de démarrer la caméra ({ $detail }). Réessayez, ou importez plutôt un fichier vidéo.
err-journal = Ce navigateur ne peut pas conserver l'enregistrement en sécurité sur cet appareil (êtes-vous en navigation privée ?). Réessayez, ou importez plutôt un fichier vidéo.
err-send-kept = { $message } Votre enregistrement est conservé sur cet appareil ; vous pouvez réessayer.
err-file-type = Ce fichier n'est pas une vidéo. Choisissez un fichier vidéo (MP4, WebM ou MOV).
err-file-empty = Ce fichier est vide. Choisissez un autre fichier vidéo.
bad-link = Ce lien est incomplet : il ne contient pas de jeton d'accès. Demandez un nouveau lien.
notice-low-space = Cet appareil ne dispose que d'environ { $mb } Mo libres pour les enregistrements (à peu près { $minutes } minutes de vidéo). Libérez de l'espace avant un long enregistrement.
notice-stale = Un enregistrement de { $when } qui n'a jamais été envoyé ne peut plus l'être (son lien a expiré) et a été supprimé de cet appareil.

btn-allow = Autoriser la caméra
btn-start = Enregistrer
btn-cancel = Annuler
btn-stop = Arrêter
btn-pause = Pause
btn-resume = Reprendre
btn-send = Envoyer
btn-retake = Recommencer
btn-resume-send = Reprendre l'envoi
btn-discard = Supprimer et recommencer
btn-upload-file = Importer un fichier vidéo
btn-switch-back = Caméra arrière
btn-switch-front = Caméra avant
btn-copy = Copier le lien
btn-copied = Lien copié
btn-send-customer = Envoyer au client

label-camera = Caméra
label-microphone = Micro
label-level = Niveau du micro
label-preview = Aperçu de la caméra
label-review = Votre enregistrement
label-progress = Progression de l'envoi
label-elapsed = Écoulé
label-remaining = Restant
label-share = Lien à partager
label-channel = Canal
label-address = Adresse du client
label-subject = Message
label-language = Langue

channel-sms = SMS
channel-email = E-mail
channel-whatsapp = WhatsApp
channel-webmessaging = Messagerie web
agent-subject = Une réponse vidéo de votre équipe d'assistance
agent-sent = Le lien a été envoyé par { $channel }.
agent-send-failed = Impossible d'envoyer le lien : { $message }
agent-unreachable = Impossible de joindre le serveur. Réessayez.

## Watch page
watch-title = Message vidéo
watch-intro = Appuyez sur Lancer la vidéo quand vous êtes prêt. Elle est lue avec le son.
watch-start = Lancer la vidéo
watch-label-video = Message vidéo
watch-loading = Chargement de la vidéo…
watch-playing = Lecture en cours.
watch-paused = En pause.
watch-ended = Vous êtes arrivé à la fin de la vidéo.
watch-cannot-play = Cette vidéo ne peut pas être lue dans ce navigateur.
watch-download = Télécharger la vidéo à la place
