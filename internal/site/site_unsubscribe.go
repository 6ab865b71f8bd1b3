package site

import (
	"net/http"

	"github.com/gallra/gallra"
)

// unsubscribeTexts are the unsubscribe page's texts: Swedish, then English.
var unsubscribeTexts = map[string][2]string{
	"title":  {"Sluta få e-post om svar", "Stop e-mails about answers"},
	"ask":    {"Vill du sluta få e-post när din fråga besvaras?", "Do you want to stop getting e-mail when your question is answered?"},
	"button": {"Ja, sluta skicka", "Yes, stop sending"},
	"done":   {"Klart. Du får ingen mer e-post om svar på den här frågan.", "Done. You will get no more e-mail about answers to this question."},
	"bad": {"Länken för att avsluta är inte giltig. Den kan ha kortats av eller ändrats. Använd länken i e-postmeddelandet som den är, eller kontakta organisationen.",
		"This unsubscribe link is not valid. It may have been cut short or changed. Use the link from the e-mail as it is, or contact the organisation."},
}

type unsubscribeData struct {
	Token, Ask, Button, Done, Error string
}

// unsubscribe serves /unsubscribe?t=TOKEN: GET shows a confirmation
// button (a link preview or scanner fetching the URL changes nothing),
// POST — the RFC 8058 one-click request, or the button — turns the
// notifications off. No cookie either way.
func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request, v *view) {
	t := func(k string) string { return unsubscribeTexts[k][v.L.i] }
	tok := r.URL.Query().Get("t")
	d := &unsubscribeData{Token: tok, Ask: t("ask"), Button: t("button")}
	v.Title, v.NoIndex, v.D = t("title"), true, d
	if len(tok) > 128 || tok == "" {
		d.Error = t("bad")
		h.render(w, r, http.StatusBadRequest, "unsubscribe", v)
		return
	}
	if r.Method != http.MethodPost {
		h.render(w, r, http.StatusOK, "unsubscribe", v)
		return
	}
	if err := h.cfg.Service.Unsubscribe(r.Context(), v.Site, tok); err != nil {
		if gallra.ErrorCode(err) == gallra.EINVALID {
			d.Error = t("bad")
			h.render(w, r, http.StatusBadRequest, "unsubscribe", v)
			return
		}
		h.fail(w, r, v, err)
		return
	}
	d.Done = t("done")
	h.render(w, r, http.StatusOK, "unsubscribe", v)
}
