// Package demo fills a new organisation with realistic sample content in every
// module, spread over the past years, so a newcomer sees the product — and
// its retention settings — with data in it. All people are fictitious and use
// reserved example domains.
package demo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// clock is a settable clock used to backdate demo content.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type person struct{ name, email string }

func people() []person {
	return []person{
		{"Eva Lindqvist", "eva.lindqvist@example.se"},
		{"Olof Berg", "olof.berg@example.se"},
		{"Sara Nilsson", "sara.nilsson@example.se"},
		{"Ahmed Yusuf", "ahmed.yusuf@example.com"},
		{"Karin Holm", "karin.holm@example.se"},
		{"John Miller", "john.miller@example.com"},
		{"Maja Ek", "maja.ek@example.se"},
		{"Lars Öberg", "lars.oberg@example.se"},
	}
}

// InboxAddress is the demo inbox's address for an organisation named name
// ("Demo Kommun": kontakt@demo-kommun.example): inbox addresses are unique
// across the installation, so each demo organisation gets its own.
func InboxAddress(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case r == 'å' || r == 'ä':
			b.WriteRune('a')
			dash = false
		case r == 'ö':
			b.WriteRune('o')
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	host := strings.Trim(b.String(), "-")
	if host == "" {
		host = "demo"
	}
	if len(host) > 60 {
		host = strings.Trim(host[:60], "-")
	}
	return "kontakt@" + host + ".example"
}

// Seed creates channels and content for org, acting as admin. Content is
// dated from about four years ago until now, so some of it is already past
// the default retention periods.
func Seed(ctx context.Context, db *store.DB, org *gallra.Organisation, admin *gallra.Staff) error {
	actor := gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}
	mk := func(m gallra.Module, name, addr string) (*gallra.Channel, error) {
		return db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: org.ID, Module: m, Name: name, Address: addr})
	}
	forum, err := mk(gallra.ModuleForum, "Fråga kommunen", "")
	if err != nil {
		return err
	}
	inbox, err := mk(gallra.ModuleMail, "Kontaktcenter", InboxAddress(org.Name))
	if err != nil {
		return err
	}
	chat, err := mk(gallra.ModuleChat, "Chatta med oss", "")
	if err != nil {
		return err
	}
	social, err := mk(gallra.ModuleSocial, "Facebook: Demo Kommun", "")
	if err != nil {
		return err
	}
	kb, err := mk(gallra.ModuleKnowledge, "Vanliga frågor", "")
	if err != nil {
		return err
	}
	editor, err := db.CreateStaff(ctx, actor, &gallra.Staff{OrgID: org.ID, Name: "Elin Redaktör", Email: "elin@demo-kommun.example", Role: gallra.RoleEditor, Active: true})
	if err != nil {
		return err
	}
	for _, c := range []*gallra.Channel{forum, inbox, chat} {
		if err := db.SetMembership(ctx, actor, org.ID, c.ID, editor.ID, true); err != nil {
			return err
		}
	}

	now := db.Now()
	clk := &clock{t: now}
	bdb := db.WithClock(clk)
	ps := people()
	ip := func(i int) string { return fmt.Sprintf("198.51.100.%d", 10+i) }

	// Forum: topics from ~4 years ago until last week.
	topics := []struct{ title, body, reply string }{
		{"När töms soptunnorna i Norrby?", "Hej! Vi har inte fått tömt sedan förra veckan. Vilken dag gäller för Norrby?", "Hej! Norrby töms varannan tisdag. Ring 070-123 45 67 om det dröjer mer."},
		{"Bygglov för altan", "Behöver jag bygglov för en altan som är 30 kvm och 60 cm hög?", "En altan under 1,8 m höjd behöver oftast inte bygglov, men kontakta bygglovsenheten."},
		{"Parking permit for visitors", "How do I get a visitor parking permit for Storgatan 12?", "You can apply online; permits are valid for one month."},
		{"Förskoleplats i höst", "Min dotter behöver plats från augusti. Hur lång är kön just nu?", "Kötiden är ungefär fyra månader. Ansök i e-tjänsten."},
		{"Snöröjning på cykelbanan", "Cykelbanan längs ån plogas aldrig före kl 8. Kan det ändras?", "Tack för tipset, vi tar upp det med entreprenören."},
		{"Library opening hours in summer", "Is the main library open on Saturdays in July?", "Yes, 10–14 every Saturday in July."},
	}
	for i, t := range topics {
		clk.set(now.AddDate(0, -46+i*9, 0))
		a := ps[i%len(ps)]
		top, err := bdb.CreateTopic(ctx, org.ID, gallra.NewTopic{ChannelID: forum.ID, Title: t.title, Body: t.body, Author: gallra.Author{Name: a.name, Email: a.email, IP: ip(i)}})
		if err != nil {
			return fmt.Errorf("demo topic: %w", err)
		}
		clk.add(26 * time.Hour)
		r := ps[(i+3)%len(ps)]
		p, err := bdb.CreatePost(ctx, org.ID, gallra.NewPost{TopicID: top.ID, Body: t.reply, Author: gallra.Author{Name: r.name, Email: r.email, IP: ip(i + 20)}})
		if err != nil {
			return err
		}
		clk.add(3 * time.Hour)
		if _, err := bdb.CreatePost(ctx, org.ID, gallra.NewPost{TopicID: top.ID, ParentID: &p.ID, Body: "Tack för svaret!", Author: gallra.Author{Name: a.name, Email: a.email, IP: ip(i)}}); err != nil {
			return err
		}
	}

	// Mail: conversations from ~3 years ago until yesterday.
	mails := []struct{ subject, body, reply string }{
		{"Fråga om faktura 2023-114", "Hej, min faktura för vatten och avlopp verkar för hög. Mitt kundnummer är KN-204518.", "Hej! Vi har kontrollerat mätarställningen och skickar en rättad faktura."},
		{"Felanmälan gatubelysning", "Lampan utanför Björkvägen 4 har varit trasig i två veckor.", "Tack, felanmälan är registrerad."},
		{"Question about school transport", "My son starts at Ekskolan in August. Is he eligible for school transport?", "Pupils living more than 4 km away are eligible. Please apply by June 1."},
		{"Adressändring hemtjänst", "Min mamma har flyttat till Vasagatan 7, 114 55 Stockholm. Vem ska jag meddela?", "Vi uppdaterar uppgiften. Tack!"},
	}
	for i, m := range mails {
		clk.set(now.AddDate(0, -36+i*11, -1))
		a := ps[(i+1)%len(ps)]
		msgID := fmt.Sprintf("demo-%d@example.se", i)
		in, err := bdb.IngestMail(ctx, org.ID, inbox.ID, gallra.InboundMail{From: a.email, FromName: a.name, To: []string{inbox.Address}, Subject: m.subject, Body: m.body, MessageID: msgID,
			Attachments: attachmentsFor(i)})
		if err != nil {
			return fmt.Errorf("demo mail: %w", err)
		}
		clk.add(5 * time.Hour)
		if _, err := bdb.ReplyMail(ctx, actor, org.ID, in.ConversationID, admin, store.OutboundReply{Body: m.reply, FromAddr: inbox.Address}); err != nil {
			return err
		}
		if i == 0 {
			if err := bdb.SetCustomField(ctx, actor, org.ID, gallra.SubjectMailConversation, in.ConversationID, "kundnummer", "KN-204518"); err != nil {
				return err
			}
		}
	}

	// Chat: closed chats over the past two months, one still open.
	chats := []struct{ name, email, q, a string }{
		{"", "", "Hej, hur ansöker jag om parkeringstillstånd?", "Det gör du i e-tjänsten under Trafik."},
		{"Maja Ek", "maja.ek@example.se", "Är återvinningscentralen öppen på lördag?", "Ja, 9–15."},
		{"John Miller", "john.miller@example.com", "Can I pay my invoice by card?", "Yes, through the e-service."},
		{"", "", "Vem ansvarar för lekplatsen i parken?", "Park- och gatuenheten. Vill du göra en felanmälan?"},
	}
	for i, c := range chats {
		clk.set(now.AddDate(0, 0, -60+i*15))
		conv, _, err := bdb.StartChat(ctx, org.ID, gallra.NewChat{ChannelID: chat.ID, Name: c.name, Email: c.email, IP: ip(40 + i), Message: c.q})
		if err != nil {
			return fmt.Errorf("demo chat: %w", err)
		}
		clk.add(2 * time.Minute)
		if _, err := bdb.StaffChatMessage(ctx, org.ID, conv.ID, editor.ID, c.a); err != nil {
			return err
		}
		if i < len(chats)-1 {
			clk.add(5 * time.Minute)
			if _, err := bdb.CloseChat(ctx, actor, org.ID, conv.ID); err != nil {
				return err
			}
		}
	}

	// Social: a mirrored post with comments.
	clk.set(now.AddDate(0, -2, 0))
	if _, err := bdb.UpsertSocialItem(ctx, org.ID, social.ID, gallra.SocialInput{ExternalID: "post_1001", AuthorID: "page", AuthorName: "Demo Kommun", Body: "Nu öppnar vi den nya lekplatsen i stadsparken!"}); err != nil {
		return err
	}
	for i, c := range []string{"Äntligen! Barnen kommer älska den.", "Will there be a ramp for wheelchairs?"} {
		clk.add(time.Hour)
		if _, err := bdb.UpsertSocialItem(ctx, org.ID, social.ID, gallra.SocialInput{ExternalID: fmt.Sprintf("comment_%d", 2001+i), ParentExternalID: "post_1001", AuthorID: fmt.Sprintf("fb_user_%d", 77+i), AuthorName: ps[i+4].name, Body: c}); err != nil {
			return err
		}
	}

	// Knowledge base: staff-written articles.
	for _, a := range []struct{ t, b string }{
		{"Så hanterar vi dina personuppgifter", "Vi sparar namn, e-postadress och IP-adress så länge som anges i respektive kanal, och gallrar sedan automatiskt."},
		{"Öppettider för kontaktcenter", "Vardagar 8–17. Lunchstängt 12–13."},
		{"How to request a copy of your data", "Contact us and we will verify your identity and send you an export within one month."},
	} {
		if _, err := db.SaveArticle(ctx, actor, &gallra.KnowledgeArticle{OrgID: org.ID, ChannelID: kb.ID, StaffID: &admin.ID, Title: a.t, Body: a.b}); err != nil {
			return err
		}
	}
	return nil
}

func attachmentsFor(i int) []gallra.Attachment {
	if i != 0 {
		return nil
	}
	return []gallra.Attachment{{Filename: "mätarställning.txt", ContentType: "text/plain; charset=utf-8", Content: []byte("Mätarställning 2023-10-01: 1234 m3\n")}}
}
