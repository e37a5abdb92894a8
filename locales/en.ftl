# vidreply recorder — English (the reference: every other language has exactly these keys).

title-customer = Record a video reply
title-agent = Record a video answer
intro = We will ask to use your camera and microphone so you can record a short video reply. Nothing is recorded until you press Start recording.
intro-agent = Record a short video answer for this conversation. When it is sent you get a link to share with the customer.
opening = Waiting for camera permission…
preview = Camera ready. Press Start recording when you are.
countdown = Recording starts in { $seconds }…
recording = Recording…
paused = Paused. Press Resume to continue recording.
review = Recording finished. Watch it back, then send it or record again.
interrupted = Recording stopped because the camera or microphone was taken away (a call, or permission withdrawn). What you recorded so far is kept: send it or record again.
resume = Your earlier recording was kept on this device. You can send it now.
sending = Sending… { $percent }%
sending-eta = Sending… { $percent }% · about { $seconds } s left
sent = Sent
sent-detail = Your video was sent. You can close this page.
sent-agent = Your video is ready. Copy the link or send it to the customer.
limit-reached = Recording stopped at the maximum length of { $limit }.
camera-released = The camera was turned off while this page was hidden. Turn it on again when you are ready.
file-chosen = Sending the video file you chose.

err-denied = Camera access was blocked. Allow the camera and microphone in your browser's site settings, then try again — or upload a video file instead.
err-no-camera = No camera was found. Connect a camera and try again, or upload a video file instead.
err-in-use = The camera is in use by another app or tab. Close it and try again, or upload a video file instead.
err-insecure = The camera only works on a secure (https) page. Open the link exactly as you received it, or upload a video file instead.
err-unsupported = This browser cannot record video. Upload a video file instead, or try a current Chrome, Safari, Firefox or Edge.
err-other = The camera could not start ({ $detail }). Try again, or upload a video file instead.
err-journal = This browser cannot keep the recording safe on this device (is it in private mode?). Try again, or upload a video file instead.
err-send-kept = { $message } Your recording is kept on this device; you can try again.
err-file-type = That file is not a video. Choose a video file (MP4, WebM or MOV).
err-file-empty = That file is empty. Choose another video file.
bad-link = This link is incomplete: it has no access token. Ask for a new link.
notice-low-space = This device has only about { $mb } MB free for recordings (roughly { $minutes } minutes of video). Free up space before a long recording.
notice-stale = A recording from { $when } that was never sent can no longer be sent (its link expired) and was removed from this device.

btn-allow = Allow camera
btn-start = Start recording
btn-cancel = Cancel
btn-stop = Stop
btn-pause = Pause
btn-resume = Resume
btn-send = Send
btn-retake = Retake
btn-resume-send = Resume sending your video
btn-discard = Discard and record again
btn-upload-file = Upload a video file instead
btn-switch-back = Use back camera
btn-switch-front = Use front camera
btn-copy = Copy link
btn-copied = Link copied
btn-send-customer = Send to customer

label-camera = Camera
label-microphone = Microphone
label-level = Microphone level
label-preview = Camera preview
label-review = Your recording
label-progress = Upload progress
label-elapsed = Elapsed
label-remaining = Remaining
label-share = Share link
label-channel = Channel
label-address = Customer's address
label-subject = Message
label-language = Language

channel-sms = SMS
channel-email = Email
channel-whatsapp = WhatsApp
channel-webmessaging = Web messaging
agent-subject = A video answer from your support team
agent-sent = The link was sent by { $channel }.
agent-send-failed = The link could not be sent: { $message }
agent-unreachable = The server could not be reached. Try again.

## Watch page
watch-title = Video message
watch-intro = Press Start video when you are ready. It plays with sound.
watch-start = Start video
watch-label-video = Video message
watch-loading = Loading the video…
watch-playing = Playing.
watch-paused = Paused.
watch-ended = You reached the end of the video.
watch-cannot-play = This video cannot be played in this browser.
watch-download = Download the video instead
