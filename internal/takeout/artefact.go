package takeout

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// OpenArtefact opens the export ZIP of a completed export request for staff
// who may act on all its channels; the caller closes the file. Every
// download is audited. ENOTFOUND when the artefact has expired or the
// request has none.
func (s *Service) OpenArtefact(ctx context.Context, staff *gallra.Staff, id int64) (*os.File, *store.SubjectRequest, error) {
	r, err := s.Get(ctx, staff, id)
	if err != nil {
		return nil, nil, err
	}
	if r.Status != store.StatusCompleted || r.Artefact == nil || r.Artefact.Path == "" {
		return nil, nil, gallra.Errorf(gallra.ENOTFOUND, "request %d has no downloadable artefact (not an export, not finished, or expired)", id)
	}
	f, err := os.Open(r.Artefact.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, gallra.Errorf(gallra.ENOTFOUND, "the artefact of request %d is no longer on disk", id)
	} else if err != nil {
		return nil, nil, fmt.Errorf("open artefact of request %d: %w", id, err)
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		return tx.Audit(ctx, r.OrgID, staffActor(staff), "request.artefact_downloaded", "subject_request", r.ID, map[string]any{"size": r.Artefact.Size})
	})
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, r, nil
}

// ExpireArtefacts deletes every export artefact past its expiry (all
// organisations), reduces those requests' e-mail to the keyed hash, audits
// each, and returns how many it expired. Safe to run concurrently and again
// after a crash: a file already gone counts as deleted.
func (s *Service) ExpireArtefacts(ctx context.Context) (int, error) {
	total := 0
	for {
		list, err := s.db.ExpiredArtefacts(ctx, 100)
		if err != nil {
			return total, err
		}
		if len(list) == 0 {
			return total, nil
		}
		for _, r := range list {
			if err := ctx.Err(); err != nil {
				return total, err
			}
			if err := os.Remove(r.Artefact.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return total, fmt.Errorf("delete artefact of request %d: %w", r.ID, err)
			}
			err := s.db.Update(ctx, func(tx *store.Tx) error {
				cur, err := tx.LockSubjectRequest(ctx, r.OrgID, r.ID)
				if err != nil {
					return err
				}
				if cur.Artefact == nil || cur.Artefact.Path == "" {
					return nil
				}
				now := tx.Now
				cur.Artefact.Path, cur.Artefact.DeletedAt, cur.Email = "", &now, ""
				if err := tx.SaveSubjectRequest(ctx, cur); err != nil {
					return err
				}
				return tx.Audit(ctx, r.OrgID, gallra.Actor{Type: gallra.ActorSystem}, "request.artefact_expired", "subject_request", r.ID, nil)
			})
			if err != nil {
				return total, err
			}
			total++
		}
	}
}

// stalePart is the age after which a *.part file in the artefact directory
// is taken to be left by a killed worker (a running export refreshes
// nothing on disk but writes continuously, far within this).
const stalePart = time.Hour

// SweepArtefacts removes files under the artefact directory that no request
// accounts for: export ZIPs (request-<id>.zip, and the older
// request-<id>-<random>.zip) whose request does not exist, or records
// another file or none (expired, cancelled); and *.part files older than an
// hour (left by a killed worker). A file is accounted for by its request's
// recorded artefact, or by the planned path of an export in progress. Other
// files are left alone. Returns how many files it removed.
func (s *Service) SweepArtefacts(ctx context.Context) (int, error) {
	orgDirs, err := os.ReadDir(s.cfg.ArtefactDir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("read artefact folder: %w", err)
	}
	removed := 0
	for _, od := range orgDirs {
		orgID, ok := strings.CutPrefix(od.Name(), "org-")
		org, err := strconv.ParseInt(orgID, 10, 64)
		if !ok || err != nil || !od.IsDir() {
			continue
		}
		dir := filepath.Join(s.cfg.ArtefactDir, od.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			return removed, fmt.Errorf("read artefact folder: %w", err)
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return removed, err
			}
			name := f.Name()
			if f.IsDir() || !strings.HasPrefix(name, "request-") {
				continue
			}
			path := filepath.Join(dir, name)
			var drop bool
			switch {
			case strings.HasSuffix(name, ".part"):
				info, err := f.Info()
				drop = err == nil && time.Since(info.ModTime()) > stalePart
			case strings.HasSuffix(name, ".zip"):
				if drop, err = s.orphaned(ctx, org, name); err != nil {
					return removed, err
				}
			}
			if !drop {
				continue
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, fmt.Errorf("remove orphaned artefact: %w", err)
			}
			s.log.Info("removed orphaned artefact", "org_id", org, "file", name)
			removed++
		}
	}
	return removed, nil
}

// orphaned reports whether no request of org accounts for the ZIP name.
func (s *Service) orphaned(ctx context.Context, org int64, name string) (bool, error) {
	digits := strings.TrimPrefix(strings.TrimSuffix(name, ".zip"), "request-")
	if i := strings.IndexByte(digits, '-'); i >= 0 {
		digits = digits[:i]
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return false, nil // not ours
	}
	r, err := s.db.GetSubjectRequest(ctx, org, id)
	if gallra.ErrorCode(err) == gallra.ENOTFOUND {
		return true, nil
	} else if err != nil {
		return false, err
	}
	for _, p := range []string{r.PlannedArtefact, artefactPathOf(r)} {
		if p != "" && filepath.Base(p) == name {
			return false, nil
		}
	}
	return true, nil
}

func artefactPathOf(r *store.SubjectRequest) string {
	if r.Artefact == nil {
		return ""
	}
	return r.Artefact.Path
}
