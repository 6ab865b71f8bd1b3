package gallra

import "fmt"

// DefaultStaffOffboardDays is how many days a deactivated staff user keeps
// their name, e-mail and avatar before the purge removes them, unless the
// organisation chose otherwise.
const DefaultStaffOffboardDays = 90

// MinStaffOffboardDays and MaxStaffOffboardDays bound an organisation's
// off-boarding period.
const (
	MinStaffOffboardDays = 1
	MaxStaffOffboardDays = 3650
)

// ValidateStaffOffboardDays checks an off-boarding period (EINVALID naming
// the bounds).
func ValidateStaffOffboardDays(days int) error {
	if days < MinStaffOffboardDays || days > MaxStaffOffboardDays {
		return Errorf(EINVALID, "the off-boarding period must be between %d and %d days", MinStaffOffboardDays, MaxStaffOffboardDays)
	}
	return nil
}

// FormerStaffName is the name an off-boarded staff user's writing is
// attributed to, in the organisation's language: "Tidigare medarbetare
// 7F3A" (sv) or "Former staff member 7F3A" (other), code being the user's
// stable pseudonym.
func FormerStaffName(lang, code string) string {
	if lang == "sv" {
		return fmt.Sprintf("Tidigare medarbetare %s", code)
	}
	return fmt.Sprintf("Former staff member %s", code)
}

// StaffOffboarding is an organisation's off-boarding setting and what the
// purge will do with it.
type StaffOffboarding struct {
	// Days is how long a staff user stays deactivated before the purge
	// removes their name, e-mail and avatar (default
	// DefaultStaffOffboardDays).
	Days int `json:"days"`
	// DueNow counts the former staff members the next purge off-boards;
	// DueWithin30Days those it will off-board in the 30 days after.
	DueNow          int `json:"due_now"`
	DueWithin30Days int `json:"due_within_30_days"`
}
