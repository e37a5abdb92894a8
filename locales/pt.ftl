# vidreply recorder — Português (Brasil) (tradução da referência em inglês: exatamente as mesmas chaves).

title-customer = Grave uma resposta em vídeo
title-agent = Gravar uma resposta em vídeo
intro = Vamos pedir acesso à sua câmera e ao seu microfone para você gravar uma resposta curta em vídeo. Nada é gravado até você tocar em Iniciar gravação.
intro-agent = Grave uma resposta curta em vídeo para esta conversa. Depois do envio, você recebe um link para compartilhar com o cliente.
opening = Aguardando a permissão da câmera…
preview = Câmera pronta. Toque em Iniciar gravação quando quiser.
countdown = A gravação começa em { $seconds }…
recording = Gravando…
paused = Pausado. Toque em Retomar para continuar gravando.
review = Gravação concluída. Assista e depois envie ou grave de novo.
interrupted = A gravação parou porque a câmera ou o microfone deixou de estar disponível (uma ligação ou uma permissão retirada). O que você gravou até agora foi mantido: envie ou grave de novo.
resume = Sua gravação anterior ficou salva neste dispositivo. Você já pode enviá-la.
sending = Enviando… { $percent }%
sending-eta = Enviando… { $percent }% · faltam cerca de { $seconds } s
sent = Enviado
sent-detail = Seu vídeo foi enviado. Você já pode fechar esta página.
sent-agent = Seu vídeo está pronto. Copie o link ou envie para o cliente.
limit-reached = A gravação parou ao atingir a duração máxima de { $limit }.
camera-released = A câmera foi desligada enquanto esta página estava oculta. Ligue-a de novo quando quiser.
file-chosen = Enviando o arquivo de vídeo que você escolheu.

err-denied = O acesso à câmera foi bloqueado. Permita a câmera e o microfone nas configurações do site no seu navegador e tente de novo — ou envie um arquivo de vídeo.
err-no-camera = Nenhuma câmera foi encontrada. Conecte uma câmera e tente de novo, ou envie um arquivo de vídeo.
err-in-use = A câmera está sendo usada por outro app ou outra aba. Feche-o e tente de novo, ou envie um arquivo de vídeo.
err-insecure = A câmera só funciona em uma página segura (https). Abra o link exatamente como você o recebeu, ou envie um arquivo de vídeo.
err-unsupported = Este navegador não consegue gravar vídeo. Envie um arquivo de vídeo ou use uma versão atual do Chrome, Safari, Firefox ou Edge.
err-other = Não foi possível iniciar a câmera ({ $detail }). Tente de novo ou envie um arquivo de vídeo.
err-journal = Este navegador não consegue guardar a gravação com segurança neste dispositivo (você está no modo privado?). Tente de novo ou envie um arquivo de vídeo.
err-send-kept = { $message } Sua gravação continua salva neste dispositivo; você pode tentar de novo.
err-file-type = Esse arquivo não é um vídeo. Escolha um arquivo de vídeo (MP4, WebM ou MOV).
err-file-empty = Esse arquivo está vazio. Escolha outro arquivo de vídeo.
bad-link = Este link está incompleto: falta o token de acesso. Peça um novo link.
notice-low-space = Este dispositivo tem só cerca de { $mb } MB livres para gravações (aproximadamente { $minutes } minutos de vídeo). Libere espaço antes de uma gravação longa.
notice-stale = Uma gravação de { $when } que nunca foi enviada não pode mais ser enviada (o link expirou) e foi removida deste dispositivo.

btn-allow = Permitir câmera
btn-start = Iniciar gravação
btn-cancel = Cancelar
btn-stop = Parar
btn-pause = Pausar
btn-resume = Retomar
btn-send = Enviar
btn-retake = Regravar
btn-resume-send = Retomar o envio
btn-discard = Descartar e regravar
btn-upload-file = Enviar arquivo de vídeo
btn-switch-back = Câmera traseira
btn-switch-front = Câmera frontal
btn-copy = Copiar link
btn-copied = Link copiado
btn-send-customer = Enviar ao cliente

label-camera = Câmera
label-microphone = Microfone
label-level = Nível do microfone
label-preview = Prévia da câmera
label-review = Sua gravação
label-progress = Progresso do envio
label-elapsed = Decorrido
label-remaining = Restante
label-share = Link para compartilhar
label-channel = Canal
label-address = Contato do cliente
label-subject = Mensagem
label-language = Idioma

channel-sms = SMS
channel-email = E-mail
channel-whatsapp = WhatsApp
channel-webmessaging = Mensagens web
agent-subject = Uma resposta em vídeo da sua equipe de suporte
agent-sent = O link foi enviado por { $channel }.
agent-send-failed = Não foi possível enviar o link: { $message }
agent-unreachable = Não foi possível conectar ao servidor. Tente novamente.

## Watch page
watch-title = Mensagem de vídeo
watch-intro = Toque em Iniciar vídeo quando estiver pronto. Ele toca com som.
watch-start = Iniciar vídeo
watch-label-video = Mensagem de vídeo
watch-loading = Carregando o vídeo…
watch-playing = Reproduzindo.
watch-paused = Em pausa.
watch-ended = Você chegou ao fim do vídeo.
watch-cannot-play = Este vídeo não pode ser reproduzido neste navegador.
watch-download = Baixar o vídeo em vez disso
