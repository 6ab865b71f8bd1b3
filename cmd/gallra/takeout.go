package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/takeout"
)

func takeoutCommand() command {
	return command{name: "takeout", summary: "answer a data-subject request: export or erase a person's data", run: runTakeout}
}

// takeoutConfig builds the takeout configuration from --artefact-dir and
// --artefact-ttl.
func takeoutConfig(dir, ttl string) (takeout.Config, error) {
	cfg := takeout.Config{ArtefactDir: dir}
	if ttl != "" {
		d, err := takeout.ParseTTL(ttl)
		if err != nil {
			return cfg, usageErr("%s", gallra.ErrorMessage(err))
		}
		cfg.ArtefactTTL = d
	}
	return cfg, nil
}

func runTakeout(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "resume" {
		return runTakeoutResume(ctx, env, args[1:])
	}
	if len(args) == 0 || (args[0] != "export" && args[0] != "erase") {
		return usageErr("takeout needs a kind: gallra takeout export|erase --org ID --email ADDRESS --attest STATEMENT --method METHOD, or gallra takeout resume --org ID --id N")
	}
	kind := gallra.RequestKind(args[0])
	fs := newFlags(env, "takeout "+args[0], "--org ID --email ADDRESS --attest STATEMENT --method METHOD [flags]")
	url := dbFlag(env, fs)
	org := fs.Int64("org", 0, "organisation id (required)")
	email := fs.String("email", "", "the person's e-mail address (required)")
	modules := fs.String("modules", "", "comma-separated modules: forum,mail,chat,social (default all)")
	channels := fs.String("channels", "", "comma-separated channel ids to narrow the scope (default every channel of the modules)")
	attest := fs.String("attest", "", fmt.Sprintf("identity attestation, exactly %q or %q", takeout.Statements()[0], takeout.Statements()[1]))
	method := fs.String("method", "", "how identity was verified: "+strings.Join(takeout.Methods(), ", "))
	note := fs.String("method-note", "", "free-text description (required with --method other)")
	forumAction := fs.String("forum-action", "", "erase only: delete (default) or anonymize forum posts")
	staffID := fs.Int64("staff", 0, "id of the staff member making the request (default: the organisation's first active admin)")
	out := fs.String("out", "", "export only: also copy the ZIP to this file")
	dir := fs.String("artefact-dir", envDefault(env, "GALLRA_ARTEFACT_DIR", takeout.DefaultArtefactDir), "where export ZIPs are kept (env GALLRA_ARTEFACT_DIR)")
	ttl := fs.String("artefact-ttl", envDefault(env, "GALLRA_ARTEFACT_TTL", "7d"), "how long exports stay downloadable, e.g. 7d or 48h (env GALLRA_ARTEFACT_TTL)")
	lang := fs.String("lang", "", "receipt language: sv or en (default: the organisation's)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *org <= 0 || *email == "" {
		return usageErr("--org and --email are required")
	}
	if *out != "" && kind != gallra.RequestExport {
		return usageErr("--out applies to export only")
	}
	in := takeout.NewRequest{Kind: kind, Email: *email, Attestation: *attest, VerificationMethod: *method, VerificationNote: *note, ForumAction: *forumAction}
	for _, m := range strings.Split(*modules, ",") {
		if m = strings.TrimSpace(m); m != "" {
			in.Modules = append(in.Modules, gallra.Module(m))
		}
	}
	for _, c := range strings.Split(*channels, ",") {
		if c = strings.TrimSpace(c); c != "" {
			id, err := strconv.ParseInt(c, 10, 64)
			if err != nil {
				return usageErr("--channels: %q is not a channel id", c)
			}
			in.ChannelIDs = append(in.ChannelIDs, id)
		}
	}
	cfg, err := takeoutConfig(*dir, *ttl)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, env, *url, false)
	if err != nil {
		return err
	}
	defer db.Close()
	staff, err := requestStaff(ctx, service.New(service.Deps{DB: db, Clock: env.Clock}).Staff, *org, *staffID)
	if err != nil {
		return err
	}
	svc := takeout.New(db, nil, cfg)
	r, err := svc.Create(ctx, staff, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "request %d received (due %s)\n", r.ID, r.DueAt.Format("2006-01-02"))
	if env.IsTerminal {
		found, err := svc.Find(ctx, *org, *email, r.ChannelIDs)
		if err != nil {
			return err
		}
		bar := progressbar.NewOptions64(found.Total(), progressbar.OptionSetWriter(env.Stderr), progressbar.OptionSetDescription(string(kind)),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		svc = svc.WithProgress(func(_ *gallra.SubjectRequest, p takeout.Progress) error {
			return bar.Set64(min(p.Done, found.Total()))
		})
		defer bar.Finish()
	}
	id := r.ID
	r, err = svc.Process(ctx, *org, id)
	if err != nil {
		return fmt.Errorf("request %d stopped (it resumes when processed again, e.g. by the requests.process job of `gallra serve`): %w", id, err)
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	if *out != "" && r.Artefact != nil {
		if err := copyFile(svc.ArtefactFile(r), *out); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "export written to %s (%d bytes)\n", *out, r.Artefact.Size)
	}
	rc, err := svc.Receipt(ctx, staff, r.ID, *lang)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stderr)
	fmt.Fprint(env.Stderr, rc.Text)
	return nil
}

// runTakeoutResume processes an existing request again: a failed,
// interrupted or abandoned one resumes where it stopped (erasure counts stay
// exact), a pending mention search runs, a finished one is printed as is.
func runTakeoutResume(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "takeout resume", "--org ID --id N [flags]")
	url := dbFlag(env, fs)
	org := fs.Int64("org", 0, "organisation id (required)")
	id := fs.Int64("id", 0, "request id (required)")
	dir := fs.String("artefact-dir", envDefault(env, "GALLRA_ARTEFACT_DIR", takeout.DefaultArtefactDir), "where export ZIPs are kept (env GALLRA_ARTEFACT_DIR)")
	ttl := fs.String("artefact-ttl", envDefault(env, "GALLRA_ARTEFACT_TTL", "7d"), "how long exports stay downloadable, e.g. 7d or 48h (env GALLRA_ARTEFACT_TTL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *org <= 0 || *id <= 0 {
		return usageErr("--org and --id are required")
	}
	cfg, err := takeoutConfig(*dir, *ttl)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, env, *url, false)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := takeout.New(db, nil, cfg).Process(ctx, *org, *id)
	if err != nil {
		return fmt.Errorf("request %d stopped (it resumes when processed again): %w", *id, err)
	}
	fmt.Fprintf(env.Stderr, "request %d is %s\n", r.ID, r.Status)
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// requestStaff returns the staff member making a CLI request: the given id,
// or the organisation's first active admin.
func requestStaff(ctx context.Context, staff gallra.StaffService, orgID, id int64) (*gallra.Staff, error) {
	list, err := staff.ListStaffAsOperator(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if id != 0 && list[i].ID == id {
			return &list[i], nil
		}
		if id == 0 && list[i].Role == gallra.RoleAdmin && list[i].Active {
			return &list[i], nil
		}
	}
	if id != 0 {
		return nil, gallra.Errorf(gallra.ENOTFOUND, "staff %d not found in organisation %d", id, orgID)
	}
	return nil, gallra.Errorf(gallra.ENOTFOUND, "organisation %d has no active admin; pass --staff", orgID)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
