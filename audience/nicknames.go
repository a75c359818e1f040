package audience

// nicknames maps common short forms and spelling variants of given names
// (after NameTokens folding) to one formal form, so that "Bob Smith" and
// "Robert Smith" compare equal. The table is deliberately small and leaves
// out short forms shared by men's and women's names where one reading is
// not clearly the common one ("Sam", "Alex", "Pat" stay as they are); a
// caller that needs more can add entries with WithNicknames. Nickname
// reads it.
var nicknames = map[string]string{
	// English
	"bob": "robert", "bobby": "robert", "rob": "robert", "robbie": "robert",
	"liz": "elizabeth", "lizzie": "elizabeth", "lizzy": "elizabeth", "beth": "elizabeth",
	"betty": "elizabeth", "betsy": "elizabeth", "eliza": "elizabeth", "elisabeth": "elizabeth",
	"bill": "william", "billy": "william", "will": "william", "willy": "william", "liam": "william",
	"jim": "james", "jimmy": "james", "jamie": "james",
	"mike": "michael", "mikey": "michael", "mick": "michael", "mickey": "michael",
	"dave": "david", "davey": "david",
	"dan": "daniel", "danny": "daniel",
	"tom": "thomas", "tommy": "thomas",
	"kate": "katherine", "katie": "katherine", "kathy": "katherine", "cathy": "katherine",
	"kat": "katherine", "catherine": "katherine", "kathryn": "katherine", "katharine": "katherine",
	"jen": "jennifer", "jenny": "jennifer", "jenn": "jennifer",
	"chris": "christopher",
	"jack":  "john", "johnny": "john",
	"joe": "joseph", "joey": "joseph",
	"josh": "joshua",
	"matt": "matthew", "matty": "matthew",
	"nick": "nicholas", "nicky": "nicholas", "nicolas": "nicholas",
	"steve": "stephen", "stevie": "stephen", "steven": "stephen",
	"tony": "anthony",
	"andy": "andrew", "drew": "andrew",
	"ben": "benjamin", "benny": "benjamin",
	"tim": "timothy", "timmy": "timothy",
	"rick": "richard", "ricky": "richard", "dick": "richard", "rich": "richard",
	"ed": "edward", "eddie": "edward", "ted": "edward", "ned": "edward",
	"charlie": "charles", "chuck": "charles",
	"harry": "henry", "hank": "henry",
	"fred": "frederick", "freddie": "frederick",
	"greg": "gregory", "jeff": "jeffrey", "geoff": "geoffrey",
	"larry": "lawrence", "len": "leonard", "lenny": "leonard",
	"pete": "peter", "phil": "philip", "ray": "raymond", "ron": "ronald",
	"ronnie": "ronald", "stan": "stanley", "walt": "walter", "zach": "zachary",
	"zack": "zachary", "nate": "nathan", "gabe": "gabriel", "vince": "vincent",
	"abby": "abigail", "becky": "rebecca", "becca": "rebecca", "cindy": "cynthia",
	"debbie": "deborah", "deb": "deborah", "jess": "jessica", "jessie": "jessica",
	"mandy": "amanda", "maggie": "margaret", "meg": "margaret", "peggy": "margaret",
	"sandy": "sandra", "sue": "susan", "susie": "susan", "vicky": "victoria",
	"tina": "christina", "kim": "kimberly", "patty": "patricia", "trish": "patricia",
	"val": "valerie", "annie": "anne", "ann": "anne", "molly": "mary", "polly": "mary",
	"nell": "eleanor", "ellie": "eleanor", "jackie": "jacqueline",
	"dotty": "dorothy", "dot": "dorothy", "fran": "frances", "gwen": "gwendolyn",
	// Other languages
	"pepe": "jose", "paco": "francisco", "pancho": "francisco", "lupe": "guadalupe",
	"nacho": "ignacio", "quique": "enrique", "lola": "dolores", "concha": "concepcion",
	"sasha": "alexander", "misha": "mikhail", "dima": "dmitry", "kolya": "nikolai",
	"vanya": "ivan", "katya": "ekaterina", "masha": "maria", "natasha": "natalia",
	"hansi": "hans", "sepp": "josef", "beppe": "giuseppe", "gianni": "giovanni",
	"manu": "emmanuel", "mathieu": "matthieu",
}

// Nickname returns the formal given name for a folded name token ("bob"
// gives "robert") from the built-in table, and whether there is one.
func Nickname(token string) (string, bool) {
	c, ok := nicknames[token]
	return c, ok
}

// canonicalToken maps a folded name token through the built-in table.
func canonicalToken(t string) string {
	if c, ok := nicknames[t]; ok {
		return c
	}
	return t
}
