package campaign

import (
	"time"

	"github.com/rapportkit/rapport/providers"
)

// cleanPlan is a three-week product launch for a bakery that every default
// rule accepts. It spans the start of US daylight saving time (8 March
// 2026). Tests break one thing at a time.
func cleanPlan() *Plan {
	m, b := providers.Mastodon, providers.Bluesky
	item := func(id string, p providers.Platform, at string, text string) Item {
		return Item{ID: id, Platform: p, At: MustParseLocal(at), Draft: providers.Draft{Text: text}}
	}
	p := &Plan{
		ID:       "rye-launch",
		Name:     "Rye & caraway launch",
		Business: "Millbrook Bakery",
		TimeZone: "America/New_York",
		Goals: []Goal{{
			Kind:        ProductLaunch,
			Description: "launch the rye & caraway loaf",
			KPIs: []KPI{
				{ID: "redemptions", Metric: MetricRedemptions, Target: 40, Deadline: MustParseLocal("2026-03-31T00:00"),
					Checkpoints: []Checkpoint{{Name: "week1", At: MustParseLocal("2026-03-19T09:00"), Target: 15}}},
				{ID: "conversation", Metric: MetricConversationRate, Target: 0.05, Deadline: MustParseLocal("2026-03-31T00:00"),
					Checkpoints: []Checkpoint{{Name: "mid", At: MustParseLocal("2026-03-12T09:00"), Target: 0.03}}},
			},
		}},
		Phases: []Phase{
			{Name: "listen", Kind: PhaseListen, Start: MustParseLocal("2026-03-02T00:00"), End: MustParseLocal("2026-03-04T00:00")},
			{Name: "give", Kind: PhaseGive, Start: MustParseLocal("2026-03-02T00:00"), End: MustParseLocal("2026-03-16T00:00")},
			{Name: "launch", Kind: PhaseLaunch, Start: MustParseLocal("2026-03-16T00:00"), End: MustParseLocal("2026-03-29T00:00")},
		},
		Calendar: []Item{
			item("m01", m, "2026-03-02T09:00", "Morning from the bakery! We're spending this week listening: what bread do you wish you could find in Millbrook?"),
			item("b01", b, "2026-03-02T11:00", "Tip: keep your sourdough starter in a glass jar with a loose lid so it can breathe without drying out."),
			item("m02", m, "2026-03-04T10:00", "How to revive stale bread: a quick splash of water, then five minutes in a hot oven. Works every time."),
			item("b02", b, "2026-03-04T15:00", "Shout-out to Greenfield Farm, whose rye flour makes our dark loaves taste like autumn."),
			item("m03", m, "2026-03-06T09:30", "Why do croissants need three days? Lamination, resting, proofing. Here is what happens on each day."),
			item("b03", b, "2026-03-06T12:00", "Which pastry should we teach at our Saturday demo: kouign-amann or pain aux raisins?"),
			item("m04", m, "2026-03-09T09:00", "Thanks to everyone who answered last week. Rye came out on top, so rye it is for the next experiment."),
			item("b04", b, "2026-03-09T14:00", "A baker's secret for crusty loaves: a tray of boiling water on the lowest rack for the first ten minutes."),
			item("m05", m, "2026-03-11T10:00", "Our apprentice Jo shaped her first hundred baguettes this week. Proud of her!"),
			item("b05", b, "2026-03-11T16:00", "Tell us the one pastry you would cross town for, and we will share our favourite spots too."),
			item("m06", m, "2026-03-13T09:00", "Recipe card: our honey oat cookies, scaled for a home oven. Screenshot it and bake along this weekend."),
			item("b06", b, "2026-03-13T11:00", "Behind the counter: at 4am the ovens are already warm and the radio is on. Here's the early shift in three photos."),
			{ID: "m07", Platform: m, At: MustParseLocal("2026-03-16T09:00"), OfferID: "rye", Draft: providers.Draft{Text: "It's here: our new rye & caraway loaf. Followers get it first: use code MASTO-RYE for 20% off until Thursday."}},
			{ID: "b07", Platform: b, At: MustParseLocal("2026-03-16T09:30"), OfferID: "rye", Draft: providers.Draft{Text: "The rye & caraway loaf you voted for is out today. Bluesky friends first: show code SKY-RYE at the till for a free coffee with it."}},
			item("m08", m, "2026-03-18T10:00", "Storing rye: wrap it in linen, never in the fridge. It keeps its crumb soft for four days."),
			item("b08", b, "2026-03-18T15:00", "The caraway seeds come from a family farm two valleys over. Here's how they're harvested."),
			item("m09", m, "2026-03-19T10:00", "Question for the rye fans: toasted with butter, or with smoked fish? We're settling a debate in the kitchen."),
			item("b09", b, "2026-03-19T14:00", "Our flour mill visit, in pictures: stone wheels, a lot of dust and one very patient miller."),
			item("m10", m, "2026-03-21T11:00", "Weekend reading: a short history of rye bread in northern Europe, from a baker's point of view."),
			item("b10", b, "2026-03-21T11:30", "Thank you for a wonderful launch week. Every photo of your rye loaves made our day."),
			{ID: "m-boost", Platform: m, At: MustParseLocal("2026-03-20T10:00"), Branch: "boost", Kind: Give, Draft: providers.Draft{Text: "Come meet the bakers this Saturday morning: we'll be tasting the new loaf together and answering every question."}},
			{ID: "b-boost", Platform: b, At: MustParseLocal("2026-03-20T12:00"), Branch: "boost", Kind: Give, Draft: providers.Draft{Text: "Short video: how the rye & caraway loaf is shaped, start to finish, in under a minute."}},
		},
		Cadence: []Cadence{{Platform: m, PostsPerWeek: 3}, {Platform: b, PostsPerWeek: 3}},
		Staffing: Staffing{
			Team: []Member{
				{Name: "Ana", Roles: []Role{RoleOwner, RoleApprover}},
				{Name: "Sam", Roles: []Role{RoleAuthor, RoleReplier}},
				{Name: "Lee", Roles: []Role{RoleReviewer, RoleReplier, RolePublisher}},
			},
			Shifts: []Shift{
				{Member: "Sam", Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: ClockTime{8, 0}, End: ClockTime{17, 0}},
				{Member: "Lee", Days: []time.Weekday{time.Saturday, time.Sunday}, Start: ClockTime{10, 0}, End: ClockTime{14, 0}},
			},
		},
		Contingencies: []Contingency{{
			ID: "behind-week1", KPI: "redemptions", Checkpoint: "week1",
			Actions: []Action{
				{Kind: SwitchBranch, Branch: "boost"},
				{Kind: ChangeCadence, Platform: b, PostsPerWeek: 5},
				{Kind: Notify, To: string(RoleOwner), Message: "launch redemptions are behind"},
			},
		}},
		Offers: []Offer{{
			ID: "rye", Title: "Rye launch", Codes: map[providers.Platform]string{m: "MASTO-RYE", b: "SKY-RYE"}, EmailCode: "MAIL-RYE",
			FollowersFrom: MustParseLocal("2026-03-16T09:00"), EmailFrom: MustParseLocal("2026-03-19T09:00"), Until: MustParseLocal("2026-03-29T00:00"),
		}},
	}
	return p
}

// setItem replaces the calendar item with the given ID.
func setItem(p *Plan, id string, f func(*Item)) {
	for i := range p.Calendar {
		if p.Calendar[i].ID == id {
			f(&p.Calendar[i])
			return
		}
	}
	panic("no item " + id)
}

func removeItems(p *Plan, ids ...string) {
	var out []Item
	for _, it := range p.Calendar {
		keep := true
		for _, id := range ids {
			if it.ID == id {
				keep = false
			}
		}
		if keep {
			out = append(out, it)
		}
	}
	p.Calendar = out
}
