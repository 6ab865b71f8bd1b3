package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// TestBrowserWorkspace works a conversation in a real browser as the
// editor: sign in (landing on the workspace), set a signature, open a
// conversation, write a reply and a note, assign it to themselves and
// close it; screenshots at 390 px and at desktop width.
func TestBrowserWorkspace(t *testing.T) {
	bctx := browser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := context.Background()
		e := newWSEnv(t, db, clock)
		p := &page{t: t, ctx: tab(t, bctx), base: e.srv.URL, shot: string(db.Dialect()) + "-workspace"}
		p.open("/login")
		p.do("sign in",
			chromedp.SendKeys(chromedp.CSS("#email"), e.fx.Editor.Email),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
		p.submit(`main button[type="submit"]`)
		if loc := p.location(); loc != "/workspace" {
			t.Fatalf("editor landed on %s, want /workspace", loc)
		}
		p.want("inbox", "Ärenden", "Parkeringstillstånd", "Soptunnan", "Anna Andersson", "Känsligt")
		if strings.Contains(p.text(), "Bygglov för altan") {
			t.Error("the editor sees another channel's conversation")
		}
		p.screenshot("01-inbox")
		p.narrow("/workspace", "01n-inbox-390")

		// A signature on the profile page (the name in the header).
		p.open("/workspace")
		p.submit(`a.who`)
		p.do("signature", chromedp.SendKeys(chromedp.CSS("#sig"), "Eva Editor\nKundtjänst"))
		p.submit(`form[action="/profile"] button[type="submit"]`)
		p.want("profile", "Signaturen är sparad.")
		p.screenshot("02-profile")

		// Open the conversation from the list.
		p.open("/workspace")
		p.submit(`a[href="` + e.AnnaConv + `"]`)
		p.want("conversation", "Mitt personnummer är", "Känsliga uppgifter", "personnummer", "ansökan.pdf", "Interna anteckningar", "Spärr mot gallring")
		if to, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector("#reply-to").value`)); err != nil || to != "anna@example.se" {
			t.Errorf("reply goes by default to %q (%v), want the customer", to, err)
		}
		p.screenshot("03-conversation")
		p.narrow(e.AnnaConv, "03n-conversation-390")

		// Reply (with the signature, ticked by default).
		p.open(e.AnnaConv)
		p.do("reply", chromedp.SendKeys(chromedp.CSS("#reply-body"), "Hej Anna! Vi har fått din ansökan."))
		p.submit(`form#reply button[type="submit"]`)
		p.want("replied", "Svaret är skickat.", "Hej Anna! Vi har fått din ansökan.", "Eva Editor", "Väntar på svar")

		// An internal note.
		p.do("note", chromedp.SendKeys(chromedp.CSS("#note-body"), "Anna ringde, kompletterar på måndag."))
		p.submit(`form[action="` + e.AnnaConv + `/note"] button[type="submit"]`)
		p.want("noted", "Anteckningen är sparad.", "Anna ringde, kompletterar på måndag.")

		// Assign to themselves, then close.
		p.do("assign", chromedp.SetValue(chromedp.CSS("#ws-assign"), strconv.FormatInt(e.fx.Editor.ID, 10)))
		p.submit(`form[action="` + e.AnnaConv + `/assign"] button[type="submit"]`)
		p.want("assigned", "Handläggaren är ändrad.", "Handläggare: "+e.fx.Editor.Name)
		p.screenshot("04-worked")
		p.submit(`form[action="` + e.AnnaConv + `/status"] button.primary`)
		p.want("closed", "Ärendet är stängt.", "Stängt")
		p.screenshot("05-closed")
		p.narrow(e.AnnaConv, "05n-closed-390")

		c, err := e.svc.Mail.Conversation(ctx, e.fx.Admin, e.Anna.ConversationID, gallra.ThreadPage{})
		if err != nil {
			t.Fatal(err)
		}
		last := c.Messages[len(c.Messages)-1]
		if c.Status != gallra.StatusClosed || c.AssigneeID == nil || *c.AssigneeID != e.fx.Editor.ID || last.Direction != gallra.DirectionOut || !strings.HasSuffix(last.Body, "-- \nEva Editor\nKundtjänst") {
			t.Errorf("in the database: status %s, assignee %v, last %q", c.Status, c.AssigneeID, last.Body)
		}
		notes, _ := db.ConversationNotes(ctx, e.fx.Org.ID, gallra.SubjectMailConversation, e.Anna.ConversationID)
		if len(notes) != 1 {
			t.Errorf("notes: %d", len(notes))
		}
		// The closed list shows it; the open list does not.
		p.open("/workspace?status=closed")
		p.want("closed list", "Parkeringstillstånd")
		p.open("/workspace?status=open")
		if strings.Contains(p.text(), "Parkeringstillstånd") {
			t.Error("a closed conversation in the open list")
		}
	})
}
