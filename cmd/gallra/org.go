package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/service"
	"github.com/gallra/gallra/internal/takeout"
)

func orgCommand() command {
	return command{name: "org", summary: "operator: create, list, disable, enable and delete organisations (org create|list|disable|enable|delete|audit)", run: runOrg}
}

const orgUsage = "give a subcommand: `gallra org create --name N --admin-name A --admin-email E`, `gallra org list`, " +
	"`gallra org disable --org ID`, `gallra org enable --org ID`, `gallra org delete --org ID --confirm NAME` or `gallra org audit [--verify]`"

func runOrg(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErr("%s", orgUsage)
	}
	sub := args[0]
	fs := newFlags(env, "org "+sub, "[flags]")
	url := dbFlag(env, fs)
	base := fs.String("base-url", envDefault(env, "GALLRA_BASE_URL", "http://"+envDefault(env, "GALLRA_ADDR", "127.0.0.1:8080")), "address of the UI, for the printed sign-in link (env GALLRA_BASE_URL)")
	dir := fs.String("artefact-dir", envDefault(env, "GALLRA_ARTEFACT_DIR", takeout.DefaultArtefactDir), "where export ZIPs are kept; a deleted organisation's folder is removed (env GALLRA_ARTEFACT_DIR)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	var orgID *int64
	var name, lang, adminName, adminEmail, confirm *string
	var overrideHolds, verify *bool
	kind := new(string)
	switch sub {
	case "create":
		name = fs.String("name", "", "the organisation's name (the controller)")
		lang = fs.String("language", "sv", "its language: sv or en")
		adminName = fs.String("admin-name", "", "the first administrator's name")
		adminEmail = fs.String("admin-email", "", "the first administrator's e-mail address")
		kind = fs.String("kind", gallra.OrgKindPublic, "public_authority or company: chooses the privacy register's default legal basis")
	case "disable", "enable", "delete":
		orgID = fs.Int64("org", 0, "organisation id")
		if sub == "delete" {
			confirm = fs.String("confirm", "", "the organisation's exact name (or its id): the deletion cannot be undone")
			overrideHolds = fs.Bool("override-legal-holds", false, "delete although legal holds exist (only on the controller's documented instruction)")
		}
	case "list":
	case "audit":
		verify = fs.Bool("verify", false, "verify the operator audit log's hash chain")
	default:
		return usageErr("unknown subcommand %q: %s", sub, orgUsage)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if orgID != nil && *orgID <= 0 {
		return usageErr("--org ID is required")
	}
	db, err := openDB(ctx, env, *url, false)
	if err != nil {
		return err
	}
	defer db.Close()
	op := service.New(service.Deps{DB: db, Clock: env.Clock, Operator: service.OperatorConfig{
		BaseURL: strings.TrimRight(*base, "/"), ArtefactDir: *dir}}).Operator
	out := orgOutput{env: env, json: *asJSON}
	switch sub {
	case "create":
		c, err := op.CreateOrganisation(ctx, gallra.NewOrganisation{Name: *name, Language: *lang, AdminName: *adminName, AdminEmail: *adminEmail, Kind: *kind})
		if err != nil {
			return err
		}
		if out.json {
			return out.print(c)
		}
		fmt.Fprintf(env.Stdout, "Created organisation %d %q with administrator %d.\n\nHand the administrator this one-time sign-in link (valid %s, works once) to choose a password:\n\n    %s\n\n",
			c.Organisation.ID, c.Organisation.Name, c.Admin.ID, gallra.SetupLinkTTL, c.SignInLink)
		return nil
	case "list":
		list, err := op.ListOrganisations(ctx)
		if err != nil {
			return err
		}
		if out.json {
			if list == nil {
				list = []gallra.OrganisationSummary{}
			}
			return out.print(list)
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tCHANNELS\tSTAFF\tHOLDS\tCREATED")
		for _, o := range list {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%s\n", o.ID, o.Name, o.Status, o.Channels, o.Staff, o.Holds, o.CreatedAt.Format("2006-01-02"))
		}
		return tw.Flush()
	case "disable", "enable":
		set := op.DisableOrganisation
		if sub == "enable" {
			set = op.EnableOrganisation
		}
		o, err := set(ctx, *orgID)
		if err != nil {
			return err
		}
		if out.json {
			return out.print(o)
		}
		fmt.Fprintf(env.Stdout, "Organisation %d %q is %s.\n", o.ID, o.Name, o.Status)
		return nil
	case "delete":
		if strings.TrimSpace(*confirm) == "" {
			return usageErr("--confirm NAME is required: the organisation's exact name (see `gallra org list`); the deletion cannot be undone")
		}
		o, err := op.GetOrganisation(ctx, *orgID)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "Deleting organisation %d %q (%d channels, %d staff users) and all its data…\n", o.ID, o.Name, o.Channels, o.Staff)
		if _, err := op.DeleteOrganisation(ctx, *orgID, gallra.OrganisationDeletion{Confirm: *confirm, OverrideHolds: *overrideHolds, Wait: true}); err != nil {
			if gallra.ErrorCode(err) == gallra.EINTERNAL {
				return fmt.Errorf("%w (the deletion resumes when you run this command again, or by serve's background job)", err)
			}
			return err
		}
		fmt.Fprintf(env.Stdout, "Organisation %d %q is deleted; the operator audit log (`gallra org audit`) records what was removed.\n", o.ID, o.Name)
		return nil
	}
	// audit
	if *verify {
		res, err := op.VerifyOperatorAudit(ctx)
		if err != nil {
			return err
		}
		if out.json {
			if err := out.print(res); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(env.Stdout, "operator audit: %d entries, head %d: ", res.Entries, res.HeadSeq)
		}
		if !res.OK {
			if !out.json {
				for _, p := range res.Problems {
					fmt.Fprintf(env.Stdout, "\n  seq %d: %s", p.Seq, p.Reason)
				}
				fmt.Fprintln(env.Stdout)
			}
			return fmt.Errorf("the operator audit log does not verify")
		}
		if !out.json {
			fmt.Fprintln(env.Stdout, "OK")
		}
		return nil
	}
	entries, err := op.OperatorAudit(ctx, 500, 0)
	if err != nil {
		return err
	}
	if out.json {
		if entries == nil {
			entries = []gallra.OperatorAuditEntry{}
		}
		return out.print(entries)
	}
	for _, e := range entries {
		d, _ := json.Marshal(e.Details)
		if e.Details == nil {
			d = []byte("{}")
		}
		fmt.Fprintf(env.Stdout, "%d\t%s\t%s\torg %d %q\t%s\n", e.Seq, e.At.Format("2006-01-02T15:04:05Z"), e.Action, e.OrgID, e.OrgName, d)
	}
	return nil
}

// orgOutput prints a result as indented JSON under --json.
type orgOutput struct {
	env  *Env
	json bool
}

func (o orgOutput) print(v any) error {
	enc := json.NewEncoder(o.env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
