package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/audit"
	"github.com/gallra/gallra/internal/benchdb"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/takeout"
)

// benchTakeout measures a data-subject request on a database of N messages
// spread over the modules, where one person owns 1,000 items: the time to
// find the person's data, to export it (MB/s of ZIP) and to erase it, at N/10
// and N rows so that the growth with database size is visible.
func benchTakeout(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "bench takeout", "[--n N] [--postgres URL]")
	n := fs.Int("n", 200_000, "messages in the large database (the small one has N/10)")
	pg := fs.String("postgres", "", "also run on this PostgreSQL database, in a fresh schema (env GALLRA_BENCH_POSTGRES)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 20_000 {
		return usageErr("--n must be at least 20000 (the person alone owns 1000 items)")
	}
	var growth float64
	worst := ""
	for _, t := range benchdb.Targets(benchPostgresURL(env, *pg)) {
		var rs [2]*takeoutResult
		for i, size := range []int{*n / 10, *n} {
			res, err := takeoutOnce(ctx, env, t, size)
			if err != nil {
				return fmt.Errorf("%s: %w", t.Name, err)
			}
			rs[i] = res
			fmt.Fprintf(env.Stdout, "%-8s %8d rows: seed %6.1fs | index backfill %6.1fs | find %7.3f ms (%d items) | export %6.0f ms, %5.2f MB, %6.1f MB/s | erase %6.0f ms\n",
				t.Name, size, res.seed.Seconds(), res.backfill.Seconds(), float64(res.find.Microseconds())/1000, res.items,
				float64(res.export.Milliseconds()), float64(res.bytes)/1e6, float64(res.bytes)/1e6/res.export.Seconds(), float64(res.erase.Milliseconds()))
			fmt.Fprintf(env.Stdout, "%-8s %8d rows: mention search: identifier index %7.3f ms | reading every body in scope %8.1f ms (%d mentions each)\n",
				t.Name, size, float64(res.mentionsIndexed.Microseconds())/1000, float64(res.mentionsScan.Microseconds())/1000, res.mentions)
		}
		for _, m := range []struct {
			name string
			d    func(*takeoutResult) time.Duration
		}{
			{"find", func(r *takeoutResult) time.Duration { return r.find }},
			{"export", func(r *takeoutResult) time.Duration { return r.export }},
			{"erase", func(r *takeoutResult) time.Duration { return r.erase }},
			{"mentions (index)", func(r *takeoutResult) time.Duration { return r.mentionsIndexed }},
		} {
			g := float64(m.d(rs[1])) / float64(m.d(rs[0]))
			fmt.Fprintf(env.Stdout, "%-8s %s time at 10x rows: %.2fx\n", t.Name, m.name, g)
			if g > growth && m.name != "mentions (index)" {
				growth, worst = g, t.Name+" "+m.name // the headline is the worst of find, export and erase on any database
			}
		}
		fmt.Fprintf(env.Stdout, "%-8s mention scan time at 10x rows: %.2fx (what export and erasure read before the identifier index)\n", t.Name,
			float64(rs[1].mentionsScan)/float64(rs[0].mentionsScan))
	}
	fmt.Fprintf(env.Stdout, "takeout growth 10x rows (worst of find, export, erase: %s): %.2fx\n", worst, growth)
	return nil
}

type takeoutResult struct {
	seed, find, export, erase time.Duration
	items                     int64
	bytes                     int64
	// backfill is the time to index the bulk-loaded rows' identifiers;
	// mentionsIndexed and mentionsScan the mention search of the person's
	// address by the index and by reading every body, finding mentions.
	backfill, mentionsIndexed, mentionsScan time.Duration
	mentions                                int
}

const benchTarget = "target.person@bench.example"

func takeoutOnce(ctx context.Context, env *Env, t benchdb.Target, n int) (*takeoutResult, error) {
	db, cleanup, err := benchdb.Open(ctx, t, env.Clock)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res := &takeoutResult{}
	org, admin, _, err := db.Bootstrap(ctx, "Bench", "Bench Admin", "admin@bench.example", "")
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := seedTakeout(ctx, db, org.ID, admin, n); err != nil {
		return nil, fmt.Errorf("seed %d rows: %s", n, err.Error())
	}
	res.seed = time.Since(start)
	// The bulk load went around the write path: index its identifiers as
	// the migration's backfill does.
	start = time.Now()
	if err := db.RebuildIdentifierIndex(ctx); err != nil {
		return nil, err
	}
	if _, err := db.BackfillIdentifiers(ctx, 2000); err != nil {
		return nil, err
	}
	res.backfill = time.Since(start)
	if db.Dialect() == store.Postgres {
		// A bulk load leaves the planner without statistics until autovacuum
		// analyzes the tables (within a minute in production); do it now so
		// the figures are those of a running system.
		if err := db.Analyze(ctx); err != nil {
			return nil, err
		}
	}
	if err := benchMentions(ctx, db, org.ID, res); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "gallra-bench-artefacts-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	svc := takeout.New(db, nil, takeout.Config{ArtefactDir: dir, BatchSize: 500})
	// Find: the lookup every request starts with. Sub-millisecond timings
	// are noisy on a shared machine, so: warm up, then time 9 blocks of 50
	// look-ups and take the median block's mean.
	find := func() error {
		f, err := svc.Find(ctx, org.ID, benchTarget, nil)
		if err == nil {
			res.items = f.Total() - f.CustomFields
		}
		return err
	}
	for i := 0; i < 20; i++ {
		if err := find(); err != nil {
			return nil, err
		}
	}
	const blocks, perBlock = 9, 50
	var means []time.Duration
	for b := 0; b < blocks; b++ {
		start := time.Now()
		for i := 0; i < perBlock; i++ {
			if err := find(); err != nil {
				return nil, err
			}
		}
		means = append(means, time.Since(start)/perBlock)
	}
	slices.Sort(means)
	res.find = means[blocks/2]
	in := takeout.NewRequest{Kind: gallra.RequestExport, Email: benchTarget, Attestation: takeout.Statements()[0], VerificationMethod: takeout.MethodEmailReply}
	start = time.Now()
	r, err := svc.Create(ctx, admin, in)
	if err == nil {
		r, err = svc.Process(ctx, org.ID, r.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	res.export, res.bytes = time.Since(start), r.Artefact.Size
	in.Kind = gallra.RequestErase
	start = time.Now()
	r, err = svc.Create(ctx, admin, in)
	if err == nil {
		r, err = svc.Process(ctx, org.ID, r.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("erase: %w", err)
	}
	res.erase = time.Since(start)
	if r.Counts["person_deleted"] != 1 {
		return nil, fmt.Errorf("erase left the person: %v", r.Counts)
	}
	return res, nil
}

// benchMentions times the search for others' items mentioning the target's
// address both ways: the identifier index (median of 9 blocks of 20
// look-ups) and reading every body in scope with the "@" prefilter and the
// detector, as export and erasure did before the index (median of 3). Both
// must find the same items.
func benchMentions(ctx context.Context, db *store.DB, orgID int64, res *takeoutResult) error {
	var channels []int64
	byModule := map[gallra.Module][]int64{}
	for _, m := range takeout.RequestModules() {
		cs, err := db.ListChannels(ctx, orgID, m)
		if err != nil {
			return err
		}
		for _, c := range cs {
			channels = append(channels, c.ID)
			byModule[m] = append(byModule[m], c.ID)
		}
	}
	var key []byte
	err := db.View(ctx, func(tx *store.Tx) error {
		var err error
		key, err = tx.OrgAuditKey(ctx, orgID)
		return err
	})
	if err != nil {
		return err
	}
	hash := store.IdentifierHash(key, pii.IdentEmail, benchTarget)
	person, err := db.FindPerson(ctx, orgID, benchTarget)
	if err != nil {
		return err
	}
	indexed := func() (int, error) {
		var n int
		err := db.View(ctx, func(tx *store.Tx) error {
			refs, err := tx.LookupIdentifiers(ctx, store.IdentifierQuery{OrgID: orgID, Hashes: map[string][]string{pii.IdentEmail: {hash}},
				ChannelIDs: channels, ExcludePerson: person.ID})
			n = len(refs)
			return err
		})
		return n, err
	}
	det := pii.Default()
	scan := func() (int, error) {
		var n int
		err := db.View(ctx, func(tx *store.Tx) error {
			for _, m := range []gallra.Module{gallra.ModuleForum, gallra.ModuleMail, gallra.ModuleChat, gallra.ModuleSocial} {
				err := tx.EachMentionCandidate(ctx, store.MentionSource{OrgID: orgID, Module: m, ChannelIDs: byModule[m], ExcludePerson: person.ID, OnlyWithAt: true, Limit: 1 << 40},
					func(_ gallra.Mention, body string) error {
						for _, f := range det.Detect(body) {
							if f.Kind == pii.Email && audit.KeyedHash(key, gallra.NormalizeEmail(f.Text)) == hash {
								n++
								break
							}
						}
						return nil
					})
				if err != nil {
					return err
				}
			}
			return nil
		})
		return n, err
	}
	median := func(blocks, per int, fn func() (int, error)) (time.Duration, int, error) {
		var ds []time.Duration
		var n int
		for b := 0; b < blocks; b++ {
			start := time.Now()
			for i := 0; i < per; i++ {
				var err error
				if n, err = fn(); err != nil {
					return 0, 0, err
				}
			}
			ds = append(ds, time.Since(start)/time.Duration(per))
		}
		slices.Sort(ds)
		return ds[blocks/2], n, nil
	}
	if _, err := indexed(); err != nil { // warm up
		return err
	}
	var ni, ns int
	if res.mentionsIndexed, ni, err = median(9, 20, indexed); err != nil {
		return err
	}
	if res.mentionsScan, ns, err = median(3, 1, scan); err != nil {
		return err
	}
	if ni != ns || ni != benchMentionCount {
		return fmt.Errorf("mention search: the index found %d items, the scan %d, %d were written", ni, ns, benchMentionCount)
	}
	res.mentions = ni
	return nil
}

// benchMentionCount is how many items of others mention the target's
// address, whatever the database size: the work asked for stays the same.
const benchMentionCount = 100

// seedTakeout writes n messages: 40% forum posts (topics of 10), 25% mail
// (conversations of 5), 25% chat (chats of 10), 10% social items, by a pool
// of people; the target person owns exactly 1,000 of them (400 forum, 200
// mail with 10 attachments, 200 chat, 200 social). Ids are assigned here so
// that whole batches go in one statement.
func seedTakeout(ctx context.Context, db *store.DB, orgID int64, admin *gallra.Staff, n int) error {
	actor := gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}
	ch := map[gallra.Module]int64{}
	for _, m := range takeout.RequestModules() {
		c, err := db.CreateChannel(ctx, actor, &gallra.Channel{OrgID: orgID, Module: m, Name: string(m)})
		if err != nil {
			return err
		}
		ch[m] = c.ID
	}
	people := max(1000, n/50)
	now := db.Now().Add(-24 * time.Hour).UnixMilli()
	body := "Hej! Jag undrar när sophämtningen sker i mitt område och om det går att beställa extra tömning av kärlet."
	const base = 1_000_000 // ids above anything the API created
	forumPosts, mailMsgs, chatMsgs := n*40/100, n*25/100, n*25/100
	social := n - forumPosts - mailMsgs - chatMsgs
	email := func(p int) string {
		if p == 0 {
			return benchTarget
		}
		return fmt.Sprintf("kund%d@bench.example", p)
	}
	// owner returns the person of the i-th unit (topic, conversation, item):
	// the target owns the first units, everyone else the rest in turn.
	owner := func(i, targetUnits int) int {
		if i < targetUnits {
			return 0
		}
		return 1 + i%(people-1)
	}
	tx := func(fn func(tx *store.Tx) error) error { return db.Update(ctx, fn) }
	err := tx(func(tx *store.Tx) error {
		ins, err := tx.Inserter("persons", "id", "org_id", "email", "email_key", "name", "created_at")
		if err != nil {
			return err
		}
		for p := 0; p < people; p++ {
			if err := ins.Add(ctx, base+p, orgID, email(p), email(p), fmt.Sprintf("Kund %d", p), now); err != nil {
				return err
			}
		}
		return ins.Flush(ctx)
	})
	if err != nil {
		return err
	}
	// Forum: topics of 10 posts by one person each.
	for start := 0; start < forumPosts; start += 50_000 {
		err := tx(func(tx *store.Tx) error {
			topics, err := tx.Inserter("forum_topics", "id", "org_id", "channel_id", "title", "person_id", "created_at", "last_activity_at")
			if err != nil {
				return err
			}
			posts, err := tx.Inserter("forum_posts", "id", "org_id", "channel_id", "topic_id", "kind", "person_id", "author_name", "author_email", "author_ip", "body", "created_at", "updated_at")
			if err != nil {
				return err
			}
			for i := start; i < min(start+50_000, forumPosts); i++ {
				topic := i / 10
				p := owner(topic, 40)
				if i%10 == 0 {
					if err := topics.Add(ctx, base+topic, orgID, ch[gallra.ModuleForum], fmt.Sprintf("Fråga %d", topic), base+p, now, now); err != nil {
						return err
					}
					if err := topics.Flush(ctx); err != nil {
						return err
					}
				}
				b := body
				if i >= 400 && i < 400+benchMentionCount/2 { // others' posts mentioning the target
					b = body + " Fråga " + strings.ToUpper(benchTarget) + ", hen vet."
				}
				if err := posts.Add(ctx, base+i, orgID, ch[gallra.ModuleForum], base+topic, "post", base+p, fmt.Sprintf("Kund %d", p), email(p), "192.0.2.10", b, now+int64(i), now+int64(i)); err != nil {
					return err
				}
			}
			return posts.Flush(ctx)
		})
		if err != nil {
			return err
		}
	}
	// Mail: conversations of 5 inbound messages by one person.
	for start := 0; start < mailMsgs; start += 50_000 {
		err := tx(func(tx *store.Tx) error {
			convs, err := tx.Inserter("mail_conversations", "id", "org_id", "channel_id", "subject", "created_at", "last_message_at")
			if err != nil {
				return err
			}
			parts, err := tx.Inserter("mail_participants", "conversation_id", "person_id", "org_id")
			if err != nil {
				return err
			}
			msgs, err := tx.Inserter("mail_messages", "id", "org_id", "channel_id", "conversation_id", "direction", "person_id", "from_addr", "to_addrs", "subject", "body", "created_at")
			if err != nil {
				return err
			}
			for i := start; i < min(start+50_000, mailMsgs); i++ {
				conv := i / 5
				p := owner(conv, 40)
				if i%5 == 0 {
					if err := convs.Add(ctx, base+conv, orgID, ch[gallra.ModuleMail], "Faktura", now, now); err != nil {
						return err
					}
					if err := convs.Flush(ctx); err != nil {
						return err
					}
					if err := parts.Add(ctx, base+conv, base+p, orgID); err != nil {
						return err
					}
				}
				b := body
				if i >= 200 && i < 200+benchMentionCount/2 { // others' mail mentioning the target
					b = body + " Min granne " + benchTarget + " har samma fråga."
				}
				if err := msgs.Add(ctx, base+i, orgID, ch[gallra.ModuleMail], base+conv, "in", base+p, email(p), "support@bench.example", "Faktura", b, now+int64(i)); err != nil {
					return err
				}
			}
			if err := msgs.Flush(ctx); err != nil {
				return err
			}
			return parts.Flush(ctx)
		})
		if err != nil {
			return err
		}
	}
	// Ten 100 kB attachments on the target's mail.
	err = tx(func(tx *store.Tx) error {
		content := make([]byte, 100_000)
		rng := rand.New(rand.NewPCG(1, 2)) // incompressible, like a real PDF
		for i := range content {
			content[i] = byte(rng.Uint32())
		}
		ins, err := tx.Inserter("mail_attachments", "org_id", "message_id", "filename", "content_type", "size", "sha256", "content")
		if err != nil {
			return err
		}
		for i := 0; i < 10; i++ {
			if err := ins.Add(ctx, orgID, base+i*5, fmt.Sprintf("faktura-%d.pdf", i), "application/pdf", len(content), "bench", content); err != nil {
				return err
			}
		}
		return ins.Flush(ctx)
	})
	if err != nil {
		return err
	}
	// Chat: chats of 10 customer messages.
	for start := 0; start < chatMsgs; start += 50_000 {
		err := tx(func(tx *store.Tx) error {
			chats, err := tx.Inserter("chat_conversations", "id", "org_id", "channel_id", "person_id", "participant_name", "participant_email", "opened_at", "closed_at", "last_message_at", "last_seq")
			if err != nil {
				return err
			}
			msgs, err := tx.Inserter("chat_messages", "id", "org_id", "conversation_id", "seq", "sender", "body", "created_at")
			if err != nil {
				return err
			}
			for i := start; i < min(start+50_000, chatMsgs); i++ {
				conv := i / 10
				p := owner(conv, 20)
				if i%10 == 0 {
					if err := chats.Add(ctx, base+conv, orgID, ch[gallra.ModuleChat], base+p, fmt.Sprintf("Kund %d", p), email(p), now, now, now, 10); err != nil {
						return err
					}
					if err := chats.Flush(ctx); err != nil {
						return err
					}
				}
				if err := msgs.Add(ctx, base+i, orgID, base+conv, i%10+1, "customer", body, now+int64(i)); err != nil {
					return err
				}
			}
			return msgs.Flush(ctx)
		})
		if err != nil {
			return err
		}
	}
	// Social: single items.
	return tx(func(tx *store.Tx) error {
		items, err := tx.Inserter("social_items", "id", "org_id", "channel_id", "external_id", "kind", "person_id", "external_author_id", "external_author_name", "body", "created_at")
		if err != nil {
			return err
		}
		for i := 0; i < social; i++ {
			p := owner(i, 200)
			if err := items.Add(ctx, base+i, orgID, ch[gallra.ModuleSocial], fmt.Sprintf("ext-%d", i), "post", base+p, fmt.Sprintf("u%d", p), fmt.Sprintf("Kund %d", p), body, now); err != nil {
				return err
			}
		}
		return items.Flush(ctx)
	})
}
