package takeout

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// SchemaVersion is the version of the data.json format (docs/takeout-data.schema.json).
const SchemaVersion = 1

// Manifest is manifest.json in an export bundle.
type Manifest struct {
	Schema        string           `json:"schema"`
	SchemaVersion int              `json:"schema_version"`
	RequestID     int64            `json:"request_id"`
	GeneratedAt   time.Time        `json:"generated_at"`
	Modules       []gallra.Module  `json:"modules"`
	ChannelIDs    []int64          `json:"channel_ids"`
	Counts        map[string]int64 `json:"counts"`
	Files         []ManifestFile   `json:"files"`
}

// ManifestFile is one file of the bundle with its SHA-256.
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// bundle writes the ZIP, hashing each entry as it streams.
type bundle struct {
	zw    *zip.Writer
	files []ManifestFile
	cur   *entry
	now   time.Time
}

type entry struct {
	path string
	w    io.Writer
	h    hash.Hash
	n    int64
}

func (e *entry) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	e.h.Write(p[:n])
	e.n += int64(n)
	return n, err
}

func (b *bundle) create(path string) (*entry, error) {
	b.close()
	w, err := b.zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Deflate, Modified: b.now})
	if err != nil {
		return nil, err
	}
	b.cur = &entry{path: path, w: w, h: sha256.New()}
	return b.cur, nil
}

func (b *bundle) close() {
	if b.cur != nil {
		b.files = append(b.files, ManifestFile{Path: b.cur.path, Size: b.cur.n, SHA256: hex.EncodeToString(b.cur.h.Sum(nil))})
		b.cur = nil
	}
}

// artefactName is where the export of r goes, relative to the artefact
// directory: one deterministic, request-scoped name
// (org-<org>/request-<id>.zip), recorded in the request before anything is
// written. Only the name is stored, so a process with the same directory
// under another working directory (the CLI, say) finds the file.
func artefactName(r *gallra.SubjectRequest) string {
	return filepath.Join("org-"+strconv.FormatInt(r.OrgID, 10), fmt.Sprintf("request-%d.zip", r.ID))
}

// artefactFile is the absolute path of the recorded name rel (relative to
// the configured artefact directory).
func (s *Service) artefactFile(rel string) string {
	return filepath.Join(s.cfg.ArtefactDir, rel)
}

// partFile is the worker's own file while it writes the artefact rel.
func (s *Service) partFile(rel, claim string) string {
	return s.artefactFile(rel) + "." + claim + ".part"
}

// artefactCandidates lists where the recorded artefact of a request of org
// may be, in order: in the configured directory under its request-scoped
// name; for a row written before names were stored relative (the path
// joined with the directory of the time), also that path itself when it is
// absolute.
func (s *Service) artefactCandidates(org int64, stored string) []string {
	if stored == "" {
		return nil
	}
	orgDir := "org-" + strconv.FormatInt(org, 10)
	clean := filepath.Clean(stored)
	if !filepath.IsAbs(clean) && filepath.Dir(clean) == orgDir {
		return []string{s.artefactFile(clean)}
	}
	out := []string{filepath.Join(s.cfg.ArtefactDir, orgDir, filepath.Base(clean))}
	if filepath.IsAbs(clean) && clean != out[0] {
		out = append(out, clean)
	}
	return out
}

// ArtefactFile returns the absolute path of r's export ZIP on this
// server's disk ("" when it has none), for the CLI to copy it.
func (s *Service) ArtefactFile(r *gallra.SubjectRequest) string {
	if r.Artefact == nil || r.Artefact.Path == "" {
		return ""
	}
	c := s.artefactCandidates(r.OrgID, r.Artefact.Path)
	for _, p := range c {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return c[0]
}

// export writes the bundle of the claimed request r to
// <planned path>.<claim>.part (the worker's own file) and returns the
// artefact with its final name (relative to the artefact directory); the
// caller renames the part into place when it completes the request. Rows
// are streamed from one snapshot read transaction (store.ViewSnapshot:
// REPEATABLE READ on PostgreSQL), so data.json, the CSV files, index.html
// and the attachments agree, straight into the ZIP on disk; only ids of the
// person's conversations and one thread at a time are held in memory. The
// caller's heartbeat keeps the claim while it runs.
func (s *Service) export(ctx context.Context, r *gallra.SubjectRequest) (*gallra.Artefact, error) {
	final := artefactName(r)
	if err := os.MkdirAll(filepath.Dir(s.artefactFile(final)), 0o700); err != nil {
		return nil, fmt.Errorf("create artefact folder: %w", err)
	}
	part := s.partFile(final, r.Claim)
	f, err := os.OpenFile(part, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create artefact: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(part)
		}
	}()
	fh := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, fh)}
	b := &bundle{zw: zip.NewWriter(cw), now: s.db.Now()}
	var art15 *gallra.Art15Info
	if s.cfg.Privacy != nil {
		if art15, err = s.cfg.Privacy.Art15(ctx, r.OrgID); err != nil {
			return nil, fmt.Errorf("read the Art. 15 information: %w", err)
		}
	}
	err = s.db.ViewSnapshot(ctx, func(tx *store.Tx) error {
		sub, err := loadSubject(ctx, tx, r)
		if err != nil {
			return err
		}
		x := &exporter{s: s, tx: tx, r: r, sub: sub, scope: sub.scope(r.OrgID), b: b, counts: map[string]int64{}, art15: art15}
		if err := x.run(ctx); err != nil {
			return err
		}
		return x.report(ctx, true)
	})
	if err != nil {
		return nil, err
	}
	if err := b.zw.Close(); err != nil {
		return nil, fmt.Errorf("finish artefact: %w", err)
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	ok = true
	return &gallra.Artefact{Path: final, Size: cw.n, SHA256: hex.EncodeToString(fh.Sum(nil))}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// exporter holds one export's state.
type exporter struct {
	s      *Service
	tx     *store.Tx
	r      *gallra.SubjectRequest
	sub    *subject
	scope  store.SubjectScope
	b      *bundle
	counts map[string]int64
	done   int64
	rows   int64 // rows written by the passes after data.json
	// ids of the person's conversations, found once.
	mailConvs, chatConvs []int64
	// art15 is the Art. 15(1) information (nil: no register configured).
	art15 *gallra.Art15Info
}

func (x *exporter) run(ctx context.Context) error {
	if err := x.collectConversations(ctx); err != nil {
		return err
	}
	if err := x.writeData(ctx); err != nil {
		return fmt.Errorf("write data.json: %w", err)
	}
	if err := x.writeCSVs(ctx); err != nil {
		return fmt.Errorf("write CSV files: %w", err)
	}
	if err := x.writeHTML(ctx); err != nil {
		return fmt.Errorf("write index.html: %w", err)
	}
	if err := x.writeAttachments(ctx); err != nil {
		return fmt.Errorf("write attachments: %w", err)
	}
	if err := x.writeChatFiles(ctx); err != nil {
		return fmt.Errorf("write chat files: %w", err)
	}
	x.b.close()
	x.r.Counts = x.counts
	m := Manifest{Schema: "gallra-takeout", SchemaVersion: SchemaVersion, RequestID: x.r.ID, GeneratedAt: x.b.now,
		Modules: x.r.Modules, ChannelIDs: x.r.ChannelIDs, Counts: x.counts, Files: x.b.files}
	w, err := x.b.zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: x.b.now})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

func (x *exporter) collectConversations(ctx context.Context) error {
	var err error
	if x.mailConvs, err = x.tx.SubjectMailConversationIDs(ctx, x.scope); err != nil {
		return err
	}
	x.chatConvs, err = x.tx.SubjectChatIDs(ctx, x.scope)
	return err
}

// The data.json record types. Their JSON is the documented, stable schema
// (docs/takeout-data.schema.json); add fields, never rename or remove them.
type (
	dataRequest struct {
		ID          int64           `json:"id"`
		Kind        string          `json:"kind"`
		GeneratedAt time.Time       `json:"generated_at"`
		ReceivedAt  time.Time       `json:"received_at"`
		Modules     []gallra.Module `json:"modules"`
		Channels    []dataChannel   `json:"channels"`
	}
	dataChannel struct {
		ID     int64         `json:"id"`
		Module gallra.Module `json:"module"`
		Name   string        `json:"name"`
	}
	dataPerson struct {
		ID        int64     `json:"id"`
		Email     string    `json:"email"`
		Name      string    `json:"name"`
		CreatedAt time.Time `json:"created_at"`
	}
	dataField struct {
		SubjectType string `json:"subject_type"`
		SubjectID   int64  `json:"subject_id"`
		Key         string `json:"key"`
		Value       string `json:"value"`
	}
	dataForumPost struct {
		ID          int64      `json:"id"`
		ChannelID   int64      `json:"channel_id"`
		TopicID     int64      `json:"topic_id"`
		TopicTitle  string     `json:"topic_title"`
		ParentID    *int64     `json:"parent_id"`
		Kind        string     `json:"kind"`
		AuthorName  string     `json:"author_name"`
		AuthorEmail string     `json:"author_email"`
		AuthorIP    string     `json:"author_ip"`
		Body        string     `json:"body"`
		CreatedAt   time.Time  `json:"created_at"`
		UpdatedAt   time.Time  `json:"updated_at"`
		Anonymized  *time.Time `json:"anonymized_at"`
	}
	dataMailConversation struct {
		ID            int64             `json:"id"`
		ChannelID     int64             `json:"channel_id"`
		Subject       string            `json:"subject"`
		CreatedAt     time.Time         `json:"created_at"`
		LastMessageAt time.Time         `json:"last_message_at"`
		Messages      []dataMailMessage `json:"messages"`
		// Notes are the staff's internal notes on the conversation
		// (absent when there are none).
		Notes []dataNote `json:"notes,omitempty"`
	}
	dataNote struct {
		Body      string    `json:"body"`
		CreatedAt time.Time `json:"created_at"`
	}
	dataMailMessage struct {
		ID          int64            `json:"id"`
		Direction   string           `json:"direction"`
		Mine        bool             `json:"mine"`
		From        string           `json:"from"`
		FromName    string           `json:"from_name"`
		To          []string         `json:"to"`
		Subject     string           `json:"subject"`
		Body        string           `json:"body"`
		CreatedAt   time.Time        `json:"created_at"`
		Attachments []dataAttachment `json:"attachments"`
		// OtherCustomer marks a message by another customer (inbound, not
		// the person's): its sender's address and name are replaced by
		// OtherCustomerLabel and its attachments are withheld (counted in
		// AttachmentsWithheld), to protect that customer's data (Art. 15(4)).
		OtherCustomer       bool `json:"other_customer"`
		AttachmentsWithheld int  `json:"attachments_withheld"`
		// BodyHTML is the sanitised HTML body of an inbound message, when
		// it had one (the same text as Body, with its formatting).
		BodyHTML string `json:"body_html,omitempty"`
	}
	dataAttachment struct {
		ID          int64  `json:"id"`
		Filename    string `json:"filename"`
		ContentType string `json:"content_type"`
		Size        int64  `json:"size"`
		SHA256      string `json:"sha256"`
		Path        string `json:"path"`
	}
	dataChat struct {
		ID               int64             `json:"id"`
		ChannelID        int64             `json:"channel_id"`
		ParticipantName  string            `json:"participant_name"`
		ParticipantEmail string            `json:"participant_email"`
		ParticipantIP    string            `json:"participant_ip"`
		OpenedAt         time.Time         `json:"opened_at"`
		ClosedAt         *time.Time        `json:"closed_at"`
		Messages         []dataChatMessage `json:"messages"`
	}
	dataChatMessage struct {
		ID        int64     `json:"id"`
		Sender    string    `json:"sender"`
		Body      string    `json:"body"`
		CreatedAt time.Time `json:"created_at"`
		// File is the file the message carries (its body is the file
		// name); the file itself is at File.Path in the ZIP.
		File *dataAttachment `json:"file,omitempty"`
	}
	dataSocial struct {
		ID                 int64     `json:"id"`
		ChannelID          int64     `json:"channel_id"`
		ExternalID         string    `json:"external_id"`
		ParentID           *int64    `json:"parent_id"`
		Kind               string    `json:"kind"`
		ExternalAuthorID   string    `json:"external_author_id"`
		ExternalAuthorName string    `json:"external_author_name"`
		Body               string    `json:"body"`
		CreatedAt          time.Time `json:"created_at"`
	}
)

// eachForumPost streams the person's posts and comments in scope.
func (x *exporter) eachForumPost(ctx context.Context, fn func(p *dataForumPost) error) error {
	return x.tx.EachSubjectPost(ctx, x.scope, func(p *store.SubjectPost) error {
		return fn(&dataForumPost{ID: p.ID, ChannelID: p.ChannelID, TopicID: p.TopicID, TopicTitle: p.TopicTitle, ParentID: p.ParentID,
			Kind: string(p.Kind), AuthorName: p.AuthorName, AuthorEmail: p.AuthorEmail, AuthorIP: p.AuthorIP, Body: p.Body,
			CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Anonymized: p.AnonymizedAt})
	})
}

// OtherCustomerLabel replaces the sender's address and name of a message by
// another customer in an export (index.html shows it in Swedish too).
const OtherCustomerLabel = "another customer"

// otherCustomer reports whether a mail message was written by a customer
// other than the person: inbound, and not linked to the person.
func otherCustomer(direction gallra.Direction, person *int64, subject int64) bool {
	return direction == gallra.DirectionIn && (person == nil || *person != subject)
}

// mailConversation loads one conversation with its messages and attachment
// metadata (one thread at a time is in memory, never the whole export). The
// whole thread is exported, the person's messages marked mine; messages by
// other customers keep their text but not their sender's address and name,
// and their attachments are withheld (counted, not listed).
func (x *exporter) mailConversation(ctx context.Context, id int64) (*dataMailConversation, error) {
	t, err := x.tx.MailThread(ctx, x.r.OrgID, id)
	if err != nil {
		return nil, err
	}
	if err := x.s.rowFault("mail messages", len(t.Messages)); err != nil {
		return nil, err
	}
	others := x.othersInThread(t.Messages)
	c := dataMailConversation{ID: t.ID, ChannelID: t.ChannelID, Subject: others.Replace(t.Subject), CreatedAt: t.CreatedAt, LastMessageAt: t.LastMessageAt}
	for _, tm := range t.Messages {
		tm.Subject, tm.Body, tm.BodyHTML = others.Replace(tm.Subject), others.Replace(tm.Body), others.Replace(tm.BodyHTML)
		m := dataMailMessage{ID: tm.ID, Direction: string(tm.Direction), Mine: tm.PersonID != nil && *tm.PersonID == x.sub.personID,
			From: tm.FromAddr, FromName: tm.FromName, To: x.recipients(tm.To), Subject: tm.Subject, Body: tm.Body, CreatedAt: tm.CreatedAt,
			Attachments: []dataAttachment{}, BodyHTML: tm.BodyHTML}
		if otherCustomer(tm.Direction, tm.PersonID, x.sub.personID) {
			m.OtherCustomer, m.From, m.FromName = true, OtherCustomerLabel, OtherCustomerLabel
		}
		if err := x.s.rowFault("mail attachments", len(tm.Attachments)); err != nil {
			return nil, err
		}
		for _, a := range tm.Attachments {
			if m.OtherCustomer {
				m.AttachmentsWithheld++
				continue
			}
			m.Attachments = append(m.Attachments, dataAttachment{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType,
				Size: a.Size, SHA256: a.SHA256, Path: attachmentPath(a.ID, a.Filename)})
		}
		c.Messages = append(c.Messages, m)
	}
	notes, err := x.tx.ConversationNotes(ctx, x.r.OrgID, gallra.SubjectMailConversation, id)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		c.Notes = append(c.Notes, dataNote{Body: n.Body, CreatedAt: n.CreatedAt})
	}
	return &c, nil
}

// othersInThread returns a replacer of what identifies the other customers
// of a thread — their addresses and display names as they appear on their
// own messages and as recipients of staff replies — by OtherCustomerLabel,
// for the text of every message (a staff reply that greets both customers,
// a quoted address). Case-insensitive for addresses; names of fewer than 3
// letters are left (too likely to be ordinary words).
func (x *exporter) othersInThread(msgs []gallra.MailMessage) *caseReplacer {
	r := &caseReplacer{}
	for _, m := range msgs {
		if otherCustomer(m.Direction, m.PersonID, x.sub.personID) {
			r.add(m.FromAddr)
			if len([]rune(strings.TrimSpace(m.FromName))) >= 3 {
				r.add(m.FromName)
			}
		}
		for _, a := range m.To {
			name, addr := "", a
			if pa, err := mail.ParseAddress(a); err == nil {
				name, addr = pa.Name, pa.Address
			}
			if !x.ownAddress(addr) {
				r.add(addr)
				if len([]rune(strings.TrimSpace(name))) >= 3 {
					r.add(name)
				}
			}
		}
	}
	return r
}

// caseReplacer replaces each of its words, ignoring case, by
// OtherCustomerLabel; the longest first, so a name inside an address goes
// with the address.
type caseReplacer struct {
	words []string
	re    *regexp.Regexp
}

func (r *caseReplacer) add(w string) {
	w = strings.TrimSpace(w)
	if w == "" || slices.ContainsFunc(r.words, func(v string) bool { return strings.EqualFold(v, w) }) {
		return
	}
	r.words = append(r.words, w)
	slices.SortFunc(r.words, func(a, b string) int { return len(b) - len(a) })
	q := make([]string, len(r.words))
	for i, v := range r.words {
		q[i] = regexp.QuoteMeta(v)
	}
	r.re = regexp.MustCompile("(?i)" + strings.Join(q, "|"))
}

// Replace returns s with every word replaced.
func (r *caseReplacer) Replace(s string) string {
	if r.re == nil || s == "" {
		return s
	}
	return r.re.ReplaceAllLiteralString(s, OtherCustomerLabel)
}

// ownAddress reports whether addr is the person's address or one of the
// organisation's inbox addresses in scope.
func (x *exporter) ownAddress(addr string) bool {
	addr = gallra.NormalizeEmail(addr)
	if x.sub.person != nil && addr == gallra.NormalizeEmail(x.sub.person.Email) || addr == gallra.NormalizeEmail(x.r.Email) {
		return true
	}
	for _, c := range x.sub.channels {
		if c.Address != "" && addr == gallra.NormalizeEmail(c.Address) {
			return true
		}
	}
	return false
}

// recipients returns a message's To (which holds To and Cc) as the person
// may see it: their own address and the organisation's inbox addresses stay,
// every other address (another customer's, Art. 15(4)) is replaced by
// OtherCustomerLabel, once per message however many there were.
func (x *exporter) recipients(to []string) []string {
	out := []string{}
	hidden := false
	for _, a := range to {
		addr := a
		if pa, err := mail.ParseAddress(a); err == nil {
			addr = pa.Address
		}
		switch {
		case x.ownAddress(addr):
			out = append(out, a)
		case !hidden:
			hidden = true
			out = append(out, OtherCustomerLabel)
		}
	}
	return out
}

func (x *exporter) chat(ctx context.Context, id int64) (*dataChat, error) {
	t, err := x.tx.ChatThread(ctx, x.r.OrgID, id)
	if err != nil {
		return nil, err
	}
	c := dataChat{ID: t.ID, ChannelID: t.ChannelID, ParticipantName: t.ParticipantName, ParticipantEmail: t.ParticipantEmail,
		ParticipantIP: t.ParticipantIP, OpenedAt: t.OpenedAt, ClosedAt: t.ClosedAt, Messages: []dataChatMessage{}}
	files, err := x.tx.ChatThreadFiles(ctx, x.r.OrgID, id)
	if err != nil {
		return nil, err
	}
	for _, m := range t.Messages {
		dm := dataChatMessage{ID: m.ID, Sender: string(m.Sender), Body: m.Body, CreatedAt: m.CreatedAt}
		if f, ok := files[m.ID]; ok {
			dm.File = &dataAttachment{ID: f.ID, Filename: f.Filename, ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256, Path: chatFilePath(f.ID, f.Filename)}
		}
		c.Messages = append(c.Messages, dm)
	}
	return &c, nil
}

func (x *exporter) eachSocial(ctx context.Context, fn func(s *dataSocial) error) error {
	return x.tx.EachSubjectSocialItem(ctx, x.scope, func(it *gallra.SocialItem) error {
		return fn(&dataSocial{ID: it.ID, ChannelID: it.ChannelID, ExternalID: it.ExternalID, ParentID: it.ParentID, Kind: string(it.Kind),
			ExternalAuthorID: it.ExternalAuthorID, ExternalAuthorName: it.ExternalAuthorName, Body: it.Body, CreatedAt: it.CreatedAt})
	})
}

// eachField streams the person's custom fields: those on the person, and
// those on topics and conversations of channels in scope.
func (x *exporter) eachField(ctx context.Context, fn func(f *dataField) error) error {
	// Person-level data lies in no channel: only in an admin's request.
	return x.tx.EachSubjectCustomField(ctx, x.scope, x.r.PersonData, func(f *gallra.CustomField) error {
		return fn(&dataField{SubjectType: string(f.SubjectType), SubjectID: f.SubjectID, Key: f.Key, Value: f.Value})
	})
}

// alive fails once the run is stopped: cancelled, out of time, or its claim
// lost (the heartbeat then cancels ctx with errLostClaim as the cause).
func alive(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// tick counts an item of data.json and reports progress every 100.
func (x *exporter) tick(ctx context.Context) error {
	x.done++
	if x.done%100 != 0 {
		return alive(ctx)
	}
	return x.report(ctx, false)
}

// rowTick counts a row (or attachment) of the passes after data.json: the
// run stops promptly when cancelled, and progress is reported every 100.
// (The heartbeat that keeps the claim runs on its own timer.)
func (x *exporter) rowTick(ctx context.Context) error {
	x.rows++
	if x.rows%100 != 0 {
		return alive(ctx)
	}
	return x.report(ctx, false)
}

// report sends progress.
func (x *exporter) report(ctx context.Context, final bool) error {
	if err := alive(ctx); err != nil {
		return err
	}
	p := Progress{Phase: "export", Done: x.done}
	if final {
		p.Total = x.done
	}
	return x.s.progress(x.r, p)
}

// create starts the bundle file name, reporting it as progress.
func (x *exporter) create(ctx context.Context, name string) (*entry, error) {
	if err := alive(ctx); err != nil {
		return nil, err
	}
	if err := x.s.progress(x.r, Progress{Phase: "export", Done: x.done, File: name}); err != nil {
		return nil, err
	}
	return x.b.create(name)
}

// jsonArray streams a JSON array member of data.json.
type jsonArray struct {
	w     io.Writer
	n     int
	err   error
	first bool
}

func (a *jsonArray) add(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sep := ",\n    "
	if a.n == 0 {
		sep = "\n    "
	}
	a.n++
	_, err = io.WriteString(a.w, sep+string(b))
	return err
}

func (x *exporter) writeData(ctx context.Context) error {
	w, err := x.create(ctx, "data.json")
	if err != nil {
		return err
	}
	req := dataRequest{ID: x.r.ID, Kind: string(x.r.Kind), GeneratedAt: x.b.now, ReceivedAt: x.r.ReceivedAt, Modules: x.r.Modules, Channels: []dataChannel{}}
	for _, c := range x.sub.channels {
		req.Channels = append(req.Channels, dataChannel{ID: c.ID, Module: c.Module, Name: c.Name})
	}
	var person any
	if p := x.sub.person; p != nil && x.r.PersonData {
		person = dataPerson{ID: p.ID, Email: p.Email, Name: p.Name, CreatedAt: p.CreatedAt}
	}
	head := map[string]any{"schema": "gallra-takeout-data", "schema_version": SchemaVersion, "request": req, "person": person}
	if x.art15 != nil {
		head["art15"] = x.art15
	}
	hb, err := json.Marshal(head)
	if err != nil {
		return err
	}
	// Open the object without its closing brace and stream the arrays after it.
	if _, err := io.WriteString(w, "{\n  "+strings.TrimSuffix(strings.TrimPrefix(string(hb), "{"), "}")); err != nil {
		return err
	}
	section := func(name string, fill func(a *jsonArray) error) error {
		if _, err := io.WriteString(w, ",\n  \""+name+"\": ["); err != nil {
			return err
		}
		a := &jsonArray{w: w}
		if err := fill(a); err != nil {
			return err
		}
		_, err := io.WriteString(w, "\n  ]")
		return err
	}
	err = section("custom_fields", func(a *jsonArray) error {
		return x.eachField(ctx, func(f *dataField) error {
			x.counts["custom_fields"]++
			return a.add(f)
		})
	})
	if err == nil {
		err = section("forum_posts", func(a *jsonArray) error {
			return x.eachForumPost(ctx, func(p *dataForumPost) error {
				x.counts["forum_posts"]++
				if err := x.tick(ctx); err != nil {
					return err
				}
				return a.add(p)
			})
		})
	}
	if err == nil {
		err = section("mail_conversations", func(a *jsonArray) error {
			for _, id := range x.mailConvs {
				c, err := x.mailConversation(ctx, id)
				if err != nil {
					return err
				}
				x.counts["mail_conversations"]++
				for _, m := range c.Messages {
					x.counts["mail_messages"]++
					if m.Mine {
						x.counts["mail_messages_own"]++
					}
					x.counts["mail_attachments"] += int64(len(m.Attachments))
					if m.OtherCustomer {
						x.counts["mail_messages_of_others"]++
						x.counts["mail_attachments_withheld"] += int64(m.AttachmentsWithheld)
					}
					if err := x.tick(ctx); err != nil {
						return err
					}
				}
				if err := a.add(c); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = section("chat_conversations", func(a *jsonArray) error {
			for _, id := range x.chatConvs {
				c, err := x.chat(ctx, id)
				if err != nil {
					return err
				}
				x.counts["chat_conversations"]++
				x.counts["chat_messages"] += int64(len(c.Messages))
				for range c.Messages {
					if err := x.tick(ctx); err != nil {
						return err
					}
				}
				if err := a.add(c); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = section("social_items", func(a *jsonArray) error {
			return x.eachSocial(ctx, func(s *dataSocial) error {
				x.counts["social_items"]++
				if err := x.tick(ctx); err != nil {
					return err
				}
				return a.add(s)
			})
		})
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n}\n")
	return err
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return ts(*t)
}

func idStr(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// csvSafe defuses spreadsheet formula injection: a cell starting with = + - @
// (or a tab/CR) is prefixed with an apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (x *exporter) csvFile(ctx context.Context, name string, header []string, fill func(write func(rec ...string) error) error) error {
	w, err := x.create(ctx, name)
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte("\xef\xbb\xbf")); err != nil { // BOM: spreadsheet programs then read UTF-8
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	err = fill(func(rec ...string) error {
		if err := x.rowTick(ctx); err != nil {
			return err
		}
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func (x *exporter) has(m gallra.Module) bool {
	for _, v := range x.r.Modules {
		if v == m {
			return true
		}
	}
	return false
}

func (x *exporter) writeCSVs(ctx context.Context) error {
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	if x.has(gallra.ModuleForum) {
		err := x.csvFile(ctx, "forum.csv", []string{"id", "channel_id", "topic_id", "topic_title", "parent_id", "kind", "author_name", "author_email", "author_ip", "body", "created_at", "updated_at"},
			func(write func(rec ...string) error) error {
				return x.eachForumPost(ctx, func(p *dataForumPost) error {
					return write(i64(p.ID), i64(p.ChannelID), i64(p.TopicID), p.TopicTitle, idStr(p.ParentID), p.Kind, p.AuthorName, p.AuthorEmail, p.AuthorIP, p.Body, ts(p.CreatedAt), ts(p.UpdatedAt))
				})
			})
		if err != nil {
			return err
		}
	}
	if x.has(gallra.ModuleMail) {
		err := x.csvFile(ctx, "mail.csv", []string{"conversation_id", "channel_id", "message_id", "direction", "mine", "from", "from_name", "to", "subject", "body", "created_at", "attachments",
			"other_customer", "attachments_withheld"},
			func(write func(rec ...string) error) error {
				for _, id := range x.mailConvs {
					c, err := x.mailConversation(ctx, id)
					if err != nil {
						return err
					}
					for _, m := range c.Messages {
						var files []string
						for _, a := range m.Attachments {
							files = append(files, a.Path)
						}
						if err := write(i64(c.ID), i64(c.ChannelID), i64(m.ID), m.Direction, strconv.FormatBool(m.Mine), m.From, m.FromName,
							strings.Join(m.To, " "), m.Subject, m.Body, ts(m.CreatedAt), strings.Join(files, " "),
							strconv.FormatBool(m.OtherCustomer), strconv.Itoa(m.AttachmentsWithheld)); err != nil {
							return err
						}
					}
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	if x.has(gallra.ModuleChat) {
		err := x.csvFile(ctx, "chat.csv", []string{"conversation_id", "channel_id", "participant_name", "participant_email", "participant_ip", "opened_at", "closed_at", "message_id", "sender", "body", "created_at"},
			func(write func(rec ...string) error) error {
				for _, id := range x.chatConvs {
					c, err := x.chat(ctx, id)
					if err != nil {
						return err
					}
					for _, m := range c.Messages {
						if err := write(i64(c.ID), i64(c.ChannelID), c.ParticipantName, c.ParticipantEmail, c.ParticipantIP, ts(c.OpenedAt), tsPtr(c.ClosedAt),
							i64(m.ID), m.Sender, m.Body, ts(m.CreatedAt)); err != nil {
							return err
						}
					}
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	if x.has(gallra.ModuleSocial) {
		err := x.csvFile(ctx, "social.csv", []string{"id", "channel_id", "external_id", "parent_id", "kind", "external_author_id", "external_author_name", "body", "created_at"},
			func(write func(rec ...string) error) error {
				return x.eachSocial(ctx, func(s *dataSocial) error {
					return write(i64(s.ID), i64(s.ChannelID), s.ExternalID, idStr(s.ParentID), s.Kind, s.ExternalAuthorID, s.ExternalAuthorName, s.Body, ts(s.CreatedAt))
				})
			})
		if err != nil {
			return err
		}
	}
	return x.csvFile(ctx, "custom_fields.csv", []string{"subject_type", "subject_id", "key", "value"}, func(write func(rec ...string) error) error {
		return x.eachField(ctx, func(f *dataField) error { return write(f.SubjectType, i64(f.SubjectID), f.Key, f.Value) })
	})
}

// attachmentPath is where an attachment is stored in the bundle.
func attachmentPath(id int64, filename string) string {
	return fmt.Sprintf("attachments/%d-%s", id, sanitizeFilename(filename))
}

// sanitizeFilename keeps letters, digits, dot, dash and underscore (no path,
// no leading dot), at most 100 bytes, so the name is safe in any unzip tool.
func sanitizeFilename(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		case r == 'å' || r == 'ä' || r == 'Å' || r == 'Ä':
			b.WriteByte('a')
		case r == 'ö' || r == 'Ö':
			b.WriteByte('o')
		default:
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if len(s) > 100 {
		s = s[len(s)-100:]
	}
	if s == "" {
		s = "file"
	}
	return s
}

// writeAttachments copies each attachment of the person's mail threads into
// the bundle, one at a time — except those of messages by other customers,
// which are withheld (data.json counts them).
func (x *exporter) writeAttachments(ctx context.Context) error {
	for _, conv := range x.mailConvs {
		atts, err := x.tx.MailThreadAttachments(ctx, x.r.OrgID, conv)
		if err != nil {
			return err
		}
		if err := x.s.rowFault("attachments", len(atts)); err != nil {
			return err
		}
		for _, a := range atts {
			if otherCustomer(a.Direction, a.PersonID, x.sub.personID) {
				continue
			}
			if err := x.rowTick(ctx); err != nil {
				return err
			}
			content, err := x.tx.AttachmentContent(ctx, x.r.OrgID, a.ID)
			if err != nil {
				return err
			}
			w, err := x.create(ctx, attachmentPath(a.ID, a.Filename))
			if err != nil {
				return err
			}
			if _, err := w.Write(content); err != nil {
				return err
			}
		}
	}
	return nil
}

// chatFilePath is where a file sent in a chat is stored in the bundle.
func chatFilePath(id int64, filename string) string {
	return fmt.Sprintf("chat-files/%d-%s", id, sanitizeFilename(filename))
}

// writeChatFiles copies each file of the person's chats into the bundle,
// one at a time (the chat is the person's own: nothing is withheld).
func (x *exporter) writeChatFiles(ctx context.Context) error {
	for _, conv := range x.chatConvs {
		files, err := x.tx.ChatThreadFiles(ctx, x.r.OrgID, conv)
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := x.rowTick(ctx); err != nil {
				return err
			}
			content, err := x.tx.ChatFileContent(ctx, x.r.OrgID, f.ID)
			if err != nil {
				return err
			}
			w, err := x.create(ctx, chatFilePath(f.ID, f.Filename))
			if err != nil {
				return err
			}
			if _, err := w.Write(content); err != nil {
				return err
			}
		}
	}
	return nil
}
