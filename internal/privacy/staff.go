package privacy

import (
	"fmt"

	"github.com/gallra/gallra"
)

// staffDataText is the Art. 30 record's entry on the organisation's own
// staff users: what is kept about them, for how long after they leave
// (the off-boarding period, read from the setting when the record is
// made), and what remains of what they wrote.
func staffDataText(days int) gallra.BiText {
	return gallra.BiText{
		SV: fmt.Sprintf("Personal (användare av Gallra): namn, e-postadress, profilbild och vad de skrivit i tjänsten. Namn, e-postadress och profilbild sparas medan kontot är aktivt och raderas automatiskt %d dagar efter att kontot inaktiverats. Det de skrivit finns kvar och visas därefter som ”Tidigare medarbetare” med en fast kod.", days),
		EN: fmt.Sprintf("Staff (users of Gallra): name, e-mail address, avatar and what they wrote in the service. Name, e-mail address and avatar are kept while the account is active and deleted automatically %d days after the account was deactivated. What they wrote remains, shown from then on as \"Former staff member\" with a fixed code.", days),
	}
}

// staffOffboardVersion is what the off-boarding period adds to the
// settings version: nothing at the default, so that records made before
// the setting existed keep their version.
func staffOffboardVersion(days int) int {
	if days == gallra.DefaultStaffOffboardDays {
		return 0
	}
	return days
}
