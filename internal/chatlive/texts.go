package chatlive

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Stockholm on hosts without a zoneinfo database

	"github.com/gallra/gallra"
)

// texts are the widget's words in Swedish and English (read-only).
var texts = map[string]map[string]string{
	"sv": {
		"title": "Chatt", "close": "Stäng chatten", "name": "Namn", "email": "E-postadress", "optional": "frivilligt",
		"message": "Ditt meddelande", "start": "Starta chatten", "anonymous": "Du kan chatta anonymt: lämna namn och e-post tomma.",
		"send": "Skicka", "download": "Ladda ner chatten", "delete": "Radera chatten nu", "yourmessage": "Skriv ett meddelande",
		"conversation": "Konversationen", "deleted": "Chatten är raderad. Inget av den finns kvar hos oss.",
		"offline_title": "Ingen kan svara just nu", "offline_intro": "Lämna ett meddelande så svarar vi så snart vi kan. Ange din e-postadress om du vill få svar.",
		"offline_send": "Skicka meddelandet", "offline_done": "Tack! Ditt meddelande är skickat.", "nochannel": "Chatten finns inte.",
		"privacy": "Integritet", "confirm_delete": "Radera hela chatten nu? Det går inte att ångra.", "yes_delete": "Ja, radera", "no_keep": "Nej, behåll",
		"you": "Du", "agent": "Handläggare", "joined": "%s anslöt till chatten", "closed_line": "Chatten är avslutad",
		"transcript_title": "Chatt med %s – %s", "transcript_chat": "Chatt %d, nedladdad %s",
		"file": "Fil:", "attach": "Skicka en fil", "attach_hint": "bild, PDF eller text, högst 5 MB",
	},
	"en": {
		"title": "Chat", "close": "Close the chat", "name": "Name", "email": "E-mail address", "optional": "optional",
		"message": "Your message", "start": "Start the chat", "anonymous": "You can chat anonymously: leave name and e-mail empty.",
		"send": "Send", "download": "Download the chat", "delete": "Delete this chat now", "yourmessage": "Write a message",
		"conversation": "The conversation", "deleted": "The chat is deleted. Nothing of it remains with us.",
		"offline_title": "Nobody can answer right now", "offline_intro": "Leave a message and we will answer as soon as we can. Give your e-mail address if you want a reply.",
		"offline_send": "Send the message", "offline_done": "Thank you! Your message has been sent.", "nochannel": "This chat does not exist.",
		"privacy": "Privacy", "confirm_delete": "Delete the whole chat now? This cannot be undone.", "yes_delete": "Yes, delete", "no_keep": "No, keep it",
		"you": "You", "agent": "Agent", "joined": "%s joined the chat", "closed_line": "The chat has ended",
		"transcript_title": "Chat with %s – %s", "transcript_chat": "Chat %d, downloaded %s",
		"file": "File:", "attach": "Send a file", "attach_hint": "picture, PDF or text, at most 5 MB",
	},
}

// jsTexts are the strings the frame's script needs.
func jsTexts(l string) map[string]string {
	t := texts[l]
	js := map[string]string{
		"you": t["you"], "agent": t["agent"], "joined": t["joined"], "closed": t["closed_line"],
		"confirm": t["confirm_delete"], "yes": t["yes_delete"], "no": t["no_keep"], "file": t["file"],
	}
	if l == "en" {
		for k, v := range map[string]string{
			"seen": "Seen", "queue": "You are number %d in the queue.", "waiting": "Waiting for an agent…", "connected": "You are chatting with %s.",
			"typing": "%s is typing…", "reconnecting": "Connection lost, reconnecting…", "ended": "The chat has ended. You can still download it or delete it.",
			"err_rate_limited": "You are sending too fast. Wait a moment and try again.", "err_invalid": "Check your name, e-mail address and message and try again.",
			"err_unprocessable": "That could not be sent: the chat has ended, or the file is not a picture, PDF or text file.", "err_not_found": "The chat no longer exists.",
			"err_too_large": "The message or file is too large. Shorten it, or send a file of at most 5 MB.", "err_other": "Something went wrong. Try again in a moment.",
		} {
			js[k] = v
		}
		return js
	}
	for k, v := range map[string]string{
		"seen": "Läst", "queue": "Du är nummer %d i kön.", "waiting": "Väntar på en handläggare…", "connected": "Du chattar med %s.",
		"typing": "%s skriver…", "reconnecting": "Anslutningen bröts, ansluter igen…", "ended": "Chatten är avslutad. Du kan fortfarande ladda ner eller radera den.",
		"err_rate_limited": "Du skickar för snabbt. Vänta en stund och försök igen.", "err_invalid": "Kontrollera namn, e-postadress och meddelande och försök igen.",
		"err_unprocessable": "Det gick inte att skicka: chatten är avslutad, eller filen är inte en bild, PDF eller textfil.", "err_not_found": "Chatten finns inte längre.",
		"err_too_large": "Meddelandet eller filen är för stor. Korta texten eller skicka en fil på högst 5 MB.", "err_other": "Något gick fel. Försök igen om en stund.",
	} {
		js[k] = v
	}
	return js
}

var stockholm = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return l
	}
	return time.UTC
}()

// Transcript renders a chat as plain text in the visitor's language.
func Transcript(l string, info string, chatID int64, now time.Time, evs []gallra.ChatEvent) string {
	t := texts[lang(l)]
	var b strings.Builder
	fmt.Fprintf(&b, t["transcript_chat"]+"\n", chatID, now.In(stockholm).Format("2006-01-02 15:04"))
	if info != "" {
		b.WriteString(info + "\n")
	}
	b.WriteString("\n")
	for _, e := range evs {
		at := e.At.In(stockholm).Format("2006-01-02 15:04")
		switch e.Kind {
		case gallra.ChatEventMessage:
			who := t["you"]
			if e.Sender == gallra.SenderStaff {
				who = e.AgentName
				if who == "" {
					who = t["agent"]
				}
			}
			fmt.Fprintf(&b, "[%s] %s: %s\n", at, who, e.Body)
		case gallra.ChatEventJoined:
			name := e.AgentName
			if name == "" {
				name = t["agent"]
			}
			fmt.Fprintf(&b, "[%s] — "+t["joined"]+"\n", at, name)
		case gallra.ChatEventClosed:
			fmt.Fprintf(&b, "[%s] — %s\n", at, t["closed_line"])
		}
	}
	return b.String()
}

func (h *Handler) transcript(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return gallra.Errorf(gallra.EINVALID, "the form does not parse")
	}
	a := gallra.ChatVisitorAccess{ChatID: id, Token: r.PostForm.Get("token")}
	l := lang(r.PostForm.Get("lang"))
	_, evs, err := h.svc.VisitorTranscript(r.Context(), a)
	if err != nil {
		return err
	}
	info := ""
	if st, ierr := h.channelTitle(r.Context(), a, l); ierr == nil {
		info = st
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="chat-%d.txt"`, id))
	_, _ = w.Write([]byte(Transcript(l, info, id, h.clock.Now(), evs)))
	return nil
}

// channelTitle is "Chat with <org> – <channel>" for the transcript.
func (h *Handler) channelTitle(ctx context.Context, a gallra.ChatVisitorAccess, l string) (string, error) {
	st, _, err := h.svc.VisitorEvents(ctx, a, 0, 1)
	if err != nil {
		return "", err
	}
	info, err := h.svc.WidgetInfo(ctx, st.ChannelID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(texts[lang(l)]["transcript_title"], info.OrgName, info.ChannelName), nil
}
