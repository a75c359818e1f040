package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/providers"
)

// maxWeeks is the longest run: the content pool has three posts a week for
// that many weeks.
const maxWeeks = 12

// posts are the bakery's give and engage posts, three a week, cross-posted
// to every platform on different days.
var posts = [3 * maxWeeks]string{
	"Morning, Bristol! The first sourdough loaves came out at 6:40 today. What's your favourite way to eat a fresh crust?",
	"Tip: keep your sourdough starter in a glass jar with a loose lid, so it breathes without drying out.",
	"Behind the counter: Tariq has been shaping croissants since 4am. Three days of lamination go into every one.",
	"Stale bread? A splash of water, five minutes in a hot oven, and it's almost new again.",
	"Which should we bake for Saturday: cardamom knots or cinnamon swirls? Tell us below.",
	"Our rye flour comes from a mill in the Cotswolds, forty miles away. Here's how they stone-grind it.",
	"How to store a loaf: cut side down on a wooden board, never in the fridge.",
	"Meet Rosa, who opened Juniper Street twelve years ago with one oven and a borrowed mixer.",
	"Question for the home bakers: what's the hardest part of your first sourdough? We'll answer the top three.",
	"Tip: a pinch of salt in your cake batter makes the sweetness brighter, not saltier.",
	"Thank you to the Gloucester Road Café for the lovely photos of our focaccia on their counter.",
	"Proofing in a cold kitchen? Put the dough in the oven with just the light on.",
	"Today's experiment: rhubarb and ginger buns. Would you try them?",
	"Why our croissants are crooked: we shape them by hand, and no two hands are the same.",
	"Freezing bread works: slice it first, and toast straight from frozen.",
	"A shout-out to the Windmill Hill community garden, whose herbs went into this week's focaccia.",
	"What bread did you grow up with? Ours was a grandmother's seeded rye.",
	"Tip: weigh your flour instead of using cups. It's the one change that fixes most home bakes.",
	"Our ovens have run on renewable power since January. Small bakery, small footprint.",
	"Gluten-free friends: our almond and orange cake is baked on a separate day with separate tools.",
	"Which is better with soup: sourdough or soda bread? The kitchen is split.",
	"The secret to a crackly crust: steam for the first ten minutes of baking.",
	"Congratulations to the Bedminster allotment society on their first harvest fair. The jam was superb.",
	"How long should dough rest? Longer than you think: flavour grows while you wait.",
	"Sunday reading: a short history of the Chelsea bun, and why it's square.",
	"What should our next bake-along be: bagels or English muffins?",
	"Tip: brown butter makes almost any cookie better. Let it cool before mixing.",
	"From our notebook: the first loaf we ever made here was a wonky wholemeal. Still proud of it.",
	"Thank you to everyone who brought back our paper bags this month: four hundred reused!",
	"Laminated dough in warm weather: chill everything, including the rolling pin.",
	"Is it pronounced scone or scon? Settle it in the replies.",
	"A visit to the dairy that makes our butter, twenty minutes out of town.",
	"Tip: let banana bread rest a day before slicing. The crumb sets and the flavour deepens.",
	"Our apprentice Jo shaped her first solo batch of baguettes today, and they were beautiful.",
	"Which pastry deserves a comeback: the Eccles cake or the Bakewell tart?",
	"The last of the season's blood oranges went into marmalade. The recipe card is at the counter.",
}

// slot is a weekly posting time of one platform.
type slot struct {
	day          time.Weekday
	hour, minute int
}

// slots are each platform's three weekly posting times.
var slots = map[providers.Platform][3]slot{
	providers.Instagram: {{time.Tuesday, 12, 0}, {time.Thursday, 17, 0}, {time.Saturday, 10, 30}},
	providers.Mastodon:  {{time.Monday, 8, 30}, {time.Wednesday, 12, 30}, {time.Friday, 15, 0}},
	providers.Bluesky:   {{time.Monday, 12, 0}, {time.Wednesday, 17, 0}, {time.Friday, 9, 30}},
}

// short names a platform in item IDs.
var short = map[providers.Platform]string{providers.Instagram: "ig", providers.Mastodon: "ma", providers.Bluesky: "bs"}

// offerCodes are the offer's codes, one per platform (the first draft
// forgets Instagram's).
var offerCodes = map[providers.Platform]string{
	providers.Instagram: "INSTA-SPRING", providers.Mastodon: "MASTO-SPRING", providers.Bluesky: "SKY-SPRING",
}

const (
	emailCode = "MAIL-SPRING"
	planID    = "spring"
	offerID   = "spring-box"
	rosa      = "Rosa"
	tariq     = "Tariq"
)

// schedule is the plan's calendar in time: when it starts, when the give
// phase ends and the offer opens, when the offer goes to the email list
// and when it ends.
type schedule struct {
	loc                             *time.Location
	start, end                      time.Time
	weeks, askWeek                  int
	askStart, emailFrom, offerUntil time.Time
}

func newSchedule(start time.Time, weeks int) schedule {
	s := schedule{loc: start.Location(), start: start, end: start.AddDate(0, 0, 7*weeks), weeks: weeks, askWeek: weeks / 2}
	s.askStart = start.AddDate(0, 0, 7*s.askWeek)
	s.emailFrom = s.askStart.AddDate(0, 0, 4).Add(8 * time.Hour)
	s.offerUntil = s.askStart.AddDate(0, 0, 14)
	if s.offerUntil.After(s.end) {
		s.offerUntil = s.end
	}
	return s
}

// reportFrom starts the report's period: the last half of the run (the
// offer's weeks), compared with as many weeks before it.
func (s schedule) reportFrom() time.Time {
	return s.start.AddDate(0, 0, 7*(s.weeks-s.weeks/2))
}

// reportWeeks names the weeks of the report's period and of the period it
// is compared with: "weeks 5–8" and "weeks 1–4".
func (s schedule) reportWeeks() (period, previous string) {
	n := s.weeks / 2
	first := s.weeks - n + 1
	return weekRange(first, s.weeks), weekRange(first-n, first-1)
}

func weekRange(a, b int) string {
	if a == b {
		return fmt.Sprintf("week %d", a)
	}
	return fmt.Sprintf("weeks %d–%d", a, b)
}

// at returns the wall-clock time of a slot in a week (0-based).
func (s schedule) at(week int, sl slot) campaign.LocalTime {
	d := s.start.AddDate(0, 0, 7*week+(int(sl.day)+6)%7)
	return campaign.Local(d.Year(), d.Month(), d.Day(), sl.hour, sl.minute)
}

// redemptionTarget is the offer's KPI target: about ten redemptions a week
// of the offer.
func (s schedule) redemptionTarget() float64 {
	return float64(int(s.offerUntil.Sub(s.askStart).Hours()/24/7*10 + 0.5))
}

// draftPlan is the bakery's first draft, with the mistakes small
// businesses make: a promotion in the first week, a post copied from
// another, a placeholder left in, an offer post too long for Bluesky, no
// Instagram code, nobody answering on Saturdays, and a KPI nobody checks
// before its deadline.
func draftPlan(s schedule) *campaign.Plan {
	local := campaign.LocalOf
	p := &campaign.Plan{
		ID:       planID,
		Name:     "Spring at Juniper Street",
		Business: business,
		TimeZone: s.loc.String(),
		Goals: []campaign.Goal{
			{Kind: campaign.CustomerService, Description: "Answer everyone, quickly and personally", KPIs: []campaign.KPI{
				{ID: "response-rate", Metric: campaign.MetricResponseRate, Target: 95, Deadline: local(s.end),
					Checkpoints: []campaign.Checkpoint{{Name: "halfway", At: local(s.askStart), Target: 95}}},
				{ID: "first-response", Metric: campaign.MetricResponseTimeP50, Target: 90, Direction: campaign.AtMost, Deadline: local(s.end)},
			}},
			{Kind: campaign.Sales, Description: "Followers first: the Spring bake box", KPIs: []campaign.KPI{
				{ID: "redemptions", Metric: campaign.MetricRedemptions, Target: s.redemptionTarget(), Deadline: local(s.offerUntil),
					Checkpoints: []campaign.Checkpoint{{Name: "email-day", At: local(s.emailFrom), Target: float64(int(s.redemptionTarget() * 0.4))}}},
			}},
		},
		Phases: []campaign.Phase{
			{Name: "give first", Kind: campaign.PhaseGive, Start: local(s.start), End: local(s.askStart)},
			{Name: "spring box", Kind: campaign.PhaseAsk, Start: local(s.askStart), End: local(s.end)},
		},
		Staffing: campaign.Staffing{
			Team: []campaign.Member{
				{Name: rosa, Roles: []campaign.Role{campaign.RoleOwner, campaign.RoleApprover, campaign.RoleReviewer, campaign.RoleReplier}},
				{Name: tariq, Roles: []campaign.Role{campaign.RoleAuthor, campaign.RoleReplier}},
			},
			Shifts: []campaign.Shift{{Member: rosa, Days: weekdays(time.Monday, time.Friday), Start: campaign.ClockTime{Hour: 8}, End: campaign.ClockTime{Hour: 16}}},
		},
		Contingencies: []campaign.Contingency{{
			ID: "slow-offer", KPI: "redemptions", Checkpoint: "email-day",
			Actions: []campaign.Action{{Kind: campaign.Notify, To: string(campaign.RoleOwner),
				Message: "followers-only redemptions are behind: thank the people who shared the offer and remind followers of their code"}},
		}},
		Offers: []campaign.Offer{{
			ID: offerID, Title: "Spring bake box",
			Codes:         map[providers.Platform]string{providers.Mastodon: offerCodes[providers.Mastodon], providers.Bluesky: offerCodes[providers.Bluesky]},
			EmailCode:     emailCode,
			FollowersFrom: local(s.askStart.Add(8 * time.Hour)),
			EmailFrom:     local(s.emailFrom),
			Until:         local(s.offerUntil),
		}},
	}
	for _, pl := range platforms {
		p.Cadence = append(p.Cadence, campaign.Cadence{Platform: pl, PostsPerWeek: 3})
		for week := 0; week < s.weeks; week++ {
			for i, sl := range slots[pl] {
				it := campaign.Item{ID: itemID(pl, week, i), Platform: pl, At: s.at(week, sl), Draft: providers.Draft{Text: postText(pl, week, i)}}
				switch {
				case week == s.askWeek && i == 0:
					it.OfferID, it.Draft.Text = offerID, offerText(pl, s)
				case week == s.askWeek && i == 1 && s.weeks >= 4:
					it.OfferID, it.Draft.Text = offerID, reminderText(pl, s)
				}
				p.Calendar = append(p.Calendar, it)
			}
		}
	}
	// The mistakes.
	item(p, itemID(providers.Mastodon, 0, 1)).Draft.Text = "Pre-order your hot cross buns now: 10% off this week only!"
	item(p, itemID(providers.Bluesky, 0, 2)).Draft.Text = "Behind the counter: Tariq has been shaping croissants since 4am! Three days of lamination go into each one."
	item(p, itemID(providers.Instagram, 0, 0)).Draft.Text = "Hi {{first_name}}, " + lowerFirst(postText(providers.Instagram, 0, 0))
	bs := item(p, itemID(providers.Bluesky, s.askWeek, 0))
	bs.Draft.Text += " Inside: six cardamom knots, a seeded rye, a jar of our blood-orange marmalade and a little card with the recipe for the marmalade, " +
		"so you can make your own at home next winter when the oranges come back. Every box is packed by hand on the morning you collect it."
	return p
}

// fix repairs what one finding points at and says how, or returns "" when
// another fix takes care of it.
func fix(p *campaign.Plan, s schedule, f campaign.Finding) string {
	switch f.Rule {
	case campaign.RulePromotionBeforeGive, campaign.RuleNearDuplicate, campaign.RuleTemplateCopy:
		it := item(p, f.Item)
		if it == nil {
			return ""
		}
		pl, week, i := parseItemID(f.Item)
		it.Draft.Text = postText(pl, week, i)
		switch f.Rule {
		case campaign.RulePromotionBeforeGive:
			return fmt.Sprintf("%s: the early promotion became a give post (the offer waits for the ask phase)", f.Item)
		case campaign.RuleNearDuplicate:
			return fmt.Sprintf("%s: fresh copy instead of a near-copy of an earlier post", f.Item)
		}
		return fmt.Sprintf("%s: the placeholder is gone (a broadcast post cannot greet one person)", f.Item)
	case campaign.RuleOverLimit:
		it := item(p, f.Item)
		if it == nil {
			return ""
		}
		pl, _, _ := parseItemID(f.Item)
		it.Draft.Text = offerText(pl, s)
		return fmt.Sprintf("%s: shortened to fit %s's limit", f.Item, pl)
	case campaign.RuleOfferIncomplete:
		o := &p.Offers[0]
		if o.Codes[f.Platform] == "" && f.Platform != "" {
			o.Codes[f.Platform] = offerCodes[f.Platform]
			return fmt.Sprintf("offer: %s gets its own code %s", f.Platform, offerCodes[f.Platform])
		}
		return ""
	case campaign.RuleReplyStaffing:
		for _, sh := range p.Staffing.Shifts {
			if sh.Member == tariq {
				return ""
			}
		}
		p.Staffing.Shifts = append(p.Staffing.Shifts, campaign.Shift{Member: tariq, Days: weekdays(time.Tuesday, time.Saturday),
			Start: campaign.ClockTime{Hour: 10}, End: campaign.ClockTime{Hour: 18}})
		return "staffing: Tariq answers Tuesday to Saturday 10:00–18:00, so Saturday posts are covered"
	case campaign.RuleUnmeasurableKPI:
		id := strings.TrimPrefix(f.Item, "kpi:")
		for gi := range p.Goals {
			for ki := range p.Goals[gi].KPIs {
				k := &p.Goals[gi].KPIs[ki]
				if k.ID == id && len(k.Checkpoints) == 0 {
					k.Checkpoints = []campaign.Checkpoint{{Name: "halfway", At: campaign.LocalOf(s.askStart), Target: k.Target}}
					return fmt.Sprintf("kpi %s: a halfway checkpoint, so it is looked at before the deadline", id)
				}
			}
		}
	}
	return ""
}

func weekdays(from, to time.Weekday) []time.Weekday {
	var out []time.Weekday
	for d := from; d <= to; d++ {
		out = append(out, d)
	}
	return out
}

func itemID(p providers.Platform, week, i int) string {
	return fmt.Sprintf("%s-w%d-%d", short[p], week+1, i+1)
}

func parseItemID(id string) (providers.Platform, int, int) {
	var s string
	var week, i int
	if n, _ := fmt.Sscanf(strings.ReplaceAll(id, "-", " "), "%s w%d %d", &s, &week, &i); n != 3 {
		return "", 0, 0
	}
	for p, sh := range short {
		if sh == s {
			return p, week - 1, i - 1
		}
	}
	return "", 0, 0
}

func item(p *campaign.Plan, id string) *campaign.Item {
	for i := range p.Calendar {
		if p.Calendar[i].ID == id {
			return &p.Calendar[i]
		}
	}
	return nil
}

// postText is the give or engage post of a platform's slot i in a week:
// the week's three posts go to every platform, in a different order.
func postText(p providers.Platform, week, i int) string {
	order := map[providers.Platform][3]int{providers.Instagram: {1, 2, 0}, providers.Mastodon: {0, 1, 2}, providers.Bluesky: {2, 0, 1}}
	text := posts[3*week+order[p][i]]
	if p == providers.Instagram {
		text += "\n\n#bristol #bakery"
	}
	return text
}

func offerText(p providers.Platform, s schedule) string {
	return fmt.Sprintf("Followers first: our Spring bake box (cardamom knots, a seeded rye and blood-orange marmalade) is 20%% off with code %s until %s.",
		offerCodes[p], s.offerUntil.Add(-time.Minute).Format("Mon 2 Jan"))
}

func reminderText(p providers.Platform, s schedule) string {
	return fmt.Sprintf("Followers only until %s: show code %s at the till for 20%% off the Spring bake box. Thank you for every photo you've shared!",
		s.emailFrom.Format("Monday"), offerCodes[p])
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
