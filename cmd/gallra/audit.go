package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gallra/gallra/internal/audit"
	"github.com/gallra/gallra/internal/service"
)

func auditCommand() command {
	return command{name: "audit", summary: "verify the audit log's hash chains (audit verify [--org ID])", run: runAudit}
}

func runAudit(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageErr("audit takes a subcommand: verify")
	}
	fs := newFlags(env, "audit verify", "[--org ID] [--json]")
	url := dbFlag(env, fs)
	org := fs.Int64("org", 0, "verify only this organisation (default: all)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, env, *url, false)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := service.New(service.Deps{DB: db, Clock: env.Clock})
	var ids []int64
	if *org != 0 {
		ids = []int64{*org}
	} else {
		orgs, err := svc.Organisations.ListOrganisationsAsOperator(ctx)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			ids = append(ids, o.ID)
		}
	}
	var results []audit.Result
	bad := 0
	for _, id := range ids {
		res, err := svc.Audit.VerifyAuditAsOperator(ctx, id)
		if err != nil {
			return fmt.Errorf("verify organisation %d: %w", id, err)
		}
		results = append(results, res)
		if !res.OK {
			bad++
		}
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			state := "ok"
			if !r.OK {
				state = "BROKEN"
			}
			fmt.Fprintf(env.Stdout, "organisation %d: %s, %d entries, head %s\n", r.OrgID, state, r.Entries, short(r.HeadHash))
			for _, p := range r.Problems {
				fmt.Fprintf(env.Stdout, "  entry %d: %s\n", p.Seq, p.Reason)
			}
		}
	}
	if bad > 0 {
		return fmt.Errorf("audit chain broken in %s organisation(s)", strconv.Itoa(bad))
	}
	return nil
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}
