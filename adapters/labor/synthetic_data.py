"""Static data for the OFLC demo-data generator: employers, jobs, places, event texts, personas.

Employers are fictional. Occupations carry their SOC code and rough OEWS wage levels so that
prevailing wage determinations read like real ones. Event texts are what the FLAG portal and
its notices say, as ``str.format_map`` templates filled per case.
"""

from __future__ import annotations

from datetime import date

PROFESSIONAL_EMPLOYERS: tuple[str, ...] = (
    "NORTHWIND ANALYTICS LLC", "BLUE HERON SOFTWARE INC", "CASCADE BIOSCIENCES INC",
    "MERIDIAN HEALTH PARTNERS", "SILVERLINE FINANCIAL GROUP LLC", "GRANITE PEAK ENGINEERING PC",
    "LAKESHORE UNIVERSITY", "ORBITAL DATA SYSTEMS CORP", "REDWOOD LOGISTICS INC",
    "SUMMIT SEMICONDUCTOR INC", "HARBORVIEW CONSULTING LLC", "PRAIRIE WIND ENERGY LLC",
    "QUANTUM LEAF TECHNOLOGIES INC", "BRIGHTPATH THERAPY SERVICES", "IRONBRIDGE CAPITAL LP",
    "ALDER & VINE ARCHITECTS LLP", "CEDAR POINT MEDICAL CENTER", "TRILLIUM ROBOTICS INC",
    "BAYSIDE INSURANCE COMPANY", "COPPERLINE NETWORKS INC", "EVERGREEN STATE COLLEGE OF MEDICINE",
    "POLARIS CLOUD SERVICES LLC", "RIVERBEND AUTOMOTIVE SYSTEMS", "STARLING PAYMENTS INC",
)
FARM_EMPLOYERS: tuple[str, ...] = (
    "VALLEY ORCHARDS LLC", "SOUTHERN PINE BERRY FARMS", "GREEN ACRES PRODUCE INC",
    "HIGH DESERT RANCH LLC", "TRI-COUNTY GROWERS COOPERATIVE", "SUNRISE VEGETABLE FARMS",
    "BLUE RIDGE TOBACCO FARMS", "COLUMBIA BASIN FRUIT CO", "DELTA SWEET POTATO FARMS LLC",
    "MESA VERDE HARVESTING LLC", "NORTHFIELD DAIRY & CROPS", "PALMETTO NURSERY INC",
)
SEASONAL_EMPLOYERS: tuple[str, ...] = (
    "COASTAL LANDSCAPE SERVICES LLC", "BAY ISLAND RESORT & SPA", "CHESAPEAKE CRAB COMPANY",
    "ALPINE LODGE HOSPITALITY LLC", "GULF SHORE SEAFOOD INC", "EVERGREEN FORESTRY SERVICES",
    "SUNBELT CONSTRUCTION LABOR INC", "LAKESIDE AMUSEMENT PARK LLC", "HARBOR TOWN HOTELS LLC",
    "NORTH STAR CATERING INC", "PRAIRIE TURF & LAWN LLC", "KENAI SALMON PROCESSORS",
)
CNMI_EMPLOYERS: tuple[str, ...] = (
    "SAIPAN HARBOR CONSTRUCTION INC", "MARIANAS RESORT HOLDINGS LLC", "TINIAN GREEN ENERGY CO",
    "GARAPAN HOSPITALITY GROUP", "ROTA HEALTH SERVICES INC", "PACIFIC ISLAND FOODS LLC",
)

# (job title, SOC code, SOC title, OEWS wage levels I-IV per year)
PROFESSIONAL_JOBS: tuple[tuple[str, str, str, tuple[int, int, int, int]], ...] = (
    ("Software Developer", "15-1252", "Software Developers", (98_405, 124_509, 150_613, 176_717)),
    ("Senior Software Engineer", "15-1252", "Software Developers",
     (98_405, 124_509, 150_613, 176_717)),
    ("Data Scientist", "15-2051", "Data Scientists", (82_597, 106_350, 130_104, 153_858)),
    ("Computer Systems Analyst", "15-1211", "Computer Systems Analysts",
     (76_003, 95_222, 114_442, 133_661)),
    ("Information Security Analyst", "15-1212", "Information Security Analysts",
     (84_219, 106_469, 128_718, 150_968)),
    ("Database Administrator", "15-1242", "Database Administrators",
     (72_842, 93_214, 113_587, 133_959)),
    ("Mechanical Engineer", "17-2141", "Mechanical Engineers", (73_466, 90_314, 107_162, 124_010)),
    ("Electrical Engineer", "17-2071", "Electrical Engineers", (78_998, 98_987, 118_976, 138_965)),
    ("Civil Engineer", "17-2051", "Civil Engineers", (70_387, 86_237, 102_086, 117_936)),
    ("Financial Analyst", "13-2051", "Financial and Investment Analysts",
     (67_309, 87_235, 107_162, 127_088)),
    ("Accountant", "13-2011", "Accountants and Auditors", (57_013, 71_677, 86_341, 101_005)),
    ("Market Research Analyst", "13-1161", "Market Research Analysts and Marketing Specialists",
     (50_502, 67_122, 83_741, 100_360)),
    ("Physical Therapist", "29-1123", "Physical Therapists", (78_562, 90_459, 102_357, 114_254)),
    ("Registered Nurse", "29-1141", "Registered Nurses", (66_685, 80_995, 95_305, 109_616)),
    ("Operations Research Analyst", "15-2031", "Operations Research Analysts",
     (62_941, 82_285, 101_629, 120_973)),
)
PROFESSIONAL_CITIES: tuple[tuple[str, float], ...] = (
    ("Austin, TX", 1.02), ("Seattle, WA", 1.18), ("San Jose, CA", 1.31), ("New York, NY", 1.22),
    ("Chicago, IL", 1.05), ("Atlanta, GA", 0.98), ("Boston, MA", 1.17), ("Dallas, TX", 1.00),
    ("Raleigh, NC", 0.96), ("Columbus, OH", 0.93), ("Phoenix, AZ", 0.95),
    ("Jersey City, NJ", 1.15), ("Minneapolis, MN", 1.03), ("Denver, CO", 1.06),
    ("Houston, TX", 0.99), ("Detroit, MI", 0.94), ("Pittsburgh, PA", 0.92),
    ("Salt Lake City, UT", 0.97),
)
# H-2A work and the places it is done: (workers, where).
FARM_JOBS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("apple harvest workers", ("Wenatchee, WA", "Hood River, OR", "Gettysburg, PA")),
    ("blueberry harvest workers", ("Alma, GA", "Hammonton, NJ", "Lynden, WA")),
    ("vegetable harvest workers", ("Salinas, CA", "Yuma, AZ", "Immokalee, FL")),
    ("citrus harvest workers", ("Immokalee, FL", "Lake Wales, FL", "Visalia, CA")),
    ("tobacco harvest workers", ("Kinston, NC", "Lexington, KY", "Wilson, NC")),
    ("sweet potato harvest workers", ("Kinston, NC", "Vardaman, MS")),
    ("nursery and greenhouse workers", ("Apopka, FL", "Canby, OR", "McMinnville, TN")),
    ("sheepherders", ("Rock Springs, WY", "Craig, CO", "Twin Falls, ID")),
    ("agricultural equipment operators", ("Garden City, KS", "Grand Forks, ND")),
    ("potato harvest workers", ("Presque Isle, ME", "Idaho Falls, ID")),
)
# (plural for "12 landscape laborers", job title, SOC code, SOC title, OEWS mean hourly wage)
SEASONAL_JOBS: tuple[tuple[str, str, str, str, float], ...] = (
    ("Landscape laborers", "Landscape Laborer", "37-3011",
     "Landscaping and Groundskeeping Workers", 17.40),
    ("Housekeepers", "Housekeeper", "37-2012", "Maids and Housekeeping Cleaners", 15.10),
    ("Crab pickers", "Crab Picker", "51-3022", "Meat, Poultry, and Fish Cutters and Trimmers",
     16.20),
    ("Amusement park attendants", "Amusement Park Attendant", "39-3091",
     "Amusement and Recreation Attendants", 14.30),
    ("Construction laborers", "Construction Laborer", "47-2061", "Construction Laborers", 21.80),
    ("Line cooks", "Line Cook", "35-2014", "Cooks, Restaurant", 17.90),
    ("Forestry workers", "Forestry Worker", "45-4011", "Forest and Conservation Workers", 18.60),
)
SEASONAL_PLACES: tuple[tuple[str, float], ...] = (
    ("Myrtle Beach, SC", 0.93), ("Ocean City, MD", 1.02), ("Dallas, TX", 1.0),
    ("Kenai, AK", 1.21), ("Bar Harbor, ME", 1.05), ("Vail, CO", 1.14), ("Houston, TX", 0.98),
    ("Crisfield, MD", 0.97), ("Branson, MO", 0.9), ("Destin, FL", 0.96),
)
CNMI_JOBS: tuple[tuple[str, str, str, str, float], ...] = (
    ("Construction laborers", "Construction Laborer", "47-2061", "Construction Laborers", 9.10),
    ("Restaurant cooks", "Restaurant Cook", "35-2014", "Cooks, Restaurant", 8.60),
    ("Maintenance and repair workers", "Maintenance and Repair Worker", "49-9071",
     "Maintenance and Repair Workers, General", 10.40),
    ("Hotel front desk clerks", "Hotel Front Desk Clerk", "43-4081",
     "Hotel, Motel, and Resort Desk Clerks", 8.40),
    ("Registered nurses", "Registered Nurse", "29-1141", "Registered Nurses", 24.50),
    ("Carpenters", "Carpenter", "47-2031", "Carpenters", 10.90),
)
CNMI_PLACES: tuple[str, ...] = ("Saipan, MP", "Tinian, MP", "Rota, MP")

WAGE_LEVELS = ("Level I", "Level II", "Level III", "Level IV")

# Wage request prefixes: (prefix, share, what the request is for, hourly wage?)
PW_KINDS: tuple[tuple[str, float, str, bool], ...] = (
    ("P-100", 0.55, "for a PERM application", False),
    ("P-200", 0.25, "for an H-1B Labor Condition Application", False),
    ("P-201", 0.005, "for an H-1B1 (Chile) Labor Condition Application", False),
    ("P-202", 0.005, "for an H-1B1 (Singapore) Labor Condition Application", False),
    ("P-203", 0.03, "for an E-3 Labor Condition Application", False),
    ("P-400", 0.14, "for an H-2B application", True),
    ("P-500", 0.02, "for a CW-1 application", True),
)
# LCA prefixes: (prefix, share, visa)
LCA_KINDS: tuple[tuple[str, float, str], ...] = (
    ("I-200", 0.90, "H-1B"), ("I-201", 0.01, "H-1B1 Chile"), ("I-202", 0.02, "H-1B1 Singapore"),
    ("I-203", 0.07, "E-3 Australian"),
)

# Event texts, keyed by (program family, template key). Fields: d (event date), due, n (case
# number), emp, job, city, plus per-program ones named in each template.
TEMPLATES: dict[str, str] = {
    # PERM
    "PERM:IN PROCESS":
        "On {d}, the Atlanta National Processing Center received Form ETA-9089, Application for"
        " Permanent Employment Certification, case number {n}, filed by {emp} for the position"
        " of {job} in {city}. The application is in process.",
    "PERM:ANALYST REVIEW":
        "On {d}, case {n} was assigned to analyst review. Applications are reviewed in the order"
        " they were received.",
    "PERM:ANALYST REVIEW again":
        "On {d}, case {n} returned to analyst review.",
    "PERM:APPLICATION ON HOLD":
        "On {d}, case {n} was placed on hold.",
    "PERM:RFI ISSUED":
        "On {d}, the Certifying Officer issued a Request for Information for case {n}. The"
        " employer's response is due by {due}.",
    "PERM:RFI RESPONSE RECEIVED":
        "On {d}, the Atlanta National Processing Center received the employer's response to the"
        " Request for Information for case {n}.",
    "PERM:PENDING AUDIT RESPONSE":
        "On {d}, the Certifying Officer issued an Audit Notification for case {n} under 20 CFR"
        " 656.20. The employer must submit the requested documentation by {due}.",
    "PERM:AUDIT RESPONSE RECEIVED":
        "On {d}, the Atlanta National Processing Center received the employer's audit response"
        " for case {n}.",
    "PERM:SUPERVISED RECRUITMENT":
        "On {d}, the Certifying Officer required supervised recruitment for case {n} under 20 CFR"
        " 656.21. The employer must submit a draft advertisement by {due}.",
    "PERM:SUPERVISED RECRUITMENT RESPONSE RECEIVED":
        "On {d}, the Atlanta National Processing Center received the employer's supervised"
        " recruitment report for case {n}.",
    "PERM:CERTIFIED":
        "On {d}, the Certifying Officer certified case {n}, Form ETA-9089 filed by {emp} for the"
        " position of {job}. The labor certification is valid for filing with USCIS through"
        " {valid}.",
    "PERM:CERTIFIED - EXPIRED":
        "On {d}, the labor certification for case {n} expired; it was valid through {valid}.",
    "PERM:DENIED":
        "On {d}, the Certifying Officer denied case {n}. The Final Determination states the"
        " reasons. A request for reconsideration or for review by the Board of Alien Labor"
        " Certification Appeals must be made within 30 days.",
    "PERM:WITHDRAWN":
        "On {d}, case {n} was withdrawn at the employer's request.",
    "PERM:RECONSIDERATION APPEALS":
        "On {d}, the Atlanta National Processing Center received the employer's request for"
        " reconsideration of the denial of case {n}.",
    "PERM:RECONSIDERATION GRANTED":
        "On {d}, the Certifying Officer granted reconsideration of case {n}. The application has"
        " been returned for review.",
    "PERM:RECONSIDERATION DENIED":
        "On {d}, the Certifying Officer denied the request for reconsideration of case {n}.",
    "PERM:NORD ISSUED":
        "On {d}, a NORD was issued for case {n}. The notice is available in the employer's FLAG"
        " account.",
    "PERM:DENIED again":
        "On {d}, the Certifying Officer issued a final determination denying case {n}.",
    "PERM:REQUEST FOR REVIEW":
        "On {d}, the Atlanta National Processing Center received the employer's request for review"
        " of case {n} by the Board of Alien Labor Certification Appeals.",
    "PERM:BALCA APPEALS":
        "On {d}, the appeal file for case {n} was sent to the Board of Alien Labor Certification"
        " Appeals and docketed as {docket}.",
    "PERM:BALCA DECISION - AFFIRMED":
        "On {d}, the Board of Alien Labor Certification Appeals affirmed the denial of case {n}"
        " ({docket}).",
    "PERM:BALCA DECISION - REVERSED":
        "On {d}, the Board of Alien Labor Certification Appeals reversed the denial of case {n}"
        " ({docket}) and directed the Certifying Officer to grant certification.",
    "PERM:BALCA DECISION - REMANDED":
        "On {d}, the Board of Alien Labor Certification Appeals remanded case {n} ({docket}) to"
        " the Certifying Officer for further proceedings.",
    "PERM:REMAND":
        "On {d}, case {n} was returned to the Atlanta National Processing Center on remand.",
    "PERM:NOTICE OF INTENT TO REVOKE":
        "On {d}, the Certifying Officer issued a Notice of Intent to Revoke the labor"
        " certification for case {n} under 20 CFR 656.32. Rebuttal evidence is due by {due}.",
    "PERM:CERTIFICATION REVOKED":
        "On {d}, the Certifying Officer revoked the labor certification for case {n}.",
    # PW
    "PW:IN PROCESS":
        "On {d}, the National Prevailing Wage Center received Form ETA-9141, Application for"
        " Prevailing Wage Determination, case number {n}, filed by {emp} {use} for the position"
        " of {job} in {city}.",
    "PW:RFI ISSUED":
        "On {d}, the National Prevailing Wage Center issued a Request for Information for case"
        " {n}. The employer's response is due by {due}.",
    "PW:RFI RESPONSE RECEIVED":
        "On {d}, the National Prevailing Wage Center received the employer's response to the"
        " Request for Information for case {n}.",
    "PW:DETERMINATION ISSUED":
        "On {d}, the National Prevailing Wage Center issued a prevailing wage determination for"
        " case {n}: {wage} ({level}, SOC {soc} {soc_title}). The determination is valid through"
        " {valid}.",
    "PW:PENDING REDETERMINATION":
        "On {d}, the National Prevailing Wage Center received the employer's request for"
        " redetermination of case {n}.",
    "PW:REDETERMINATION AFFIRMED":
        "On {d}, the National Prevailing Wage Center completed the redetermination of case {n}"
        " and affirmed the prevailing wage of {wage}.",
    "PW:REDETERMINATION MODIFIED":
        "On {d}, the National Prevailing Wage Center completed the redetermination of case {n}"
        " and modified the prevailing wage to {wage2}.",
    "PW:PENDING CENTER DIRECTOR REVIEW":
        "On {d}, the National Prevailing Wage Center received the employer's request for Center"
        " Director review of case {n}.",
    "PW:CENTER DIRECTOR REVIEW AFFIRMED DETERMINATION":
        "On {d}, the Center Director affirmed the prevailing wage determination for case {n}"
        " ({wage}).",
    "PW:CENTER DIRECTOR REVIEW MODIFIED DETERMINATION":
        "On {d}, the Center Director modified the prevailing wage determination for case {n} to"
        " {wage2}.",
    "PW:BALCA REVIEW":
        "On {d}, the employer's request for review of case {n} was forwarded to the Board of"
        " Alien Labor Certification Appeals and docketed as {docket}.",
    "PW:BALCA AFFIRMED":
        "On {d}, the Board of Alien Labor Certification Appeals affirmed the prevailing wage"
        " determination for case {n} ({docket}).",
    "PW:BALCA OVERTURNED":
        "On {d}, the Board of Alien Labor Certification Appeals reversed the prevailing wage"
        " determination for case {n} ({docket}) and remanded it to the National Prevailing Wage"
        " Center.",
    "PW:WITHDRAWN":
        "On {d}, case {n} was withdrawn at the employer's request.",
    "PW:RETURNED UNPROCESSED":
        "On {d}, case {n} was returned to the employer unprocessed because the Request for"
        " Information was not answered.",
    # LCA
    "LCA:IN PROCESS":
        "On {d}, the Chicago National Processing Center received Form ETA-9035E, Labor"
        " Condition Application for Nonimmigrant Workers, case number {n}, filed by {emp} for"
        " {k} {visa} position(s) as {job} in {city} from {begin} to {end}.",
    "LCA:CERTIFIED":
        "On {d}, the Certifying Officer certified Labor Condition Application {n} for the period"
        " {begin} to {end}.",
    "LCA:DENIED":
        "On {d}, Labor Condition Application {n} was not certified because it was incomplete or"
        " obviously inaccurate.",
    "LCA:WITHDRAWN":
        "On {d}, Labor Condition Application {n} was withdrawn by the employer before"
        " certification.",
    "LCA:CERTIFIED - WITHDRAWN":
        "On {d}, the employer withdrew certified Labor Condition Application {n}.",
    # H-2A, H-2B, CW-1 ({form} names the program's form and title)
    "H2:IN PROCESS":
        "On {d}, the Chicago National Processing Center received {form}, case number {n}, filed"
        " by {emp} for {k} in {city} from {begin} to {end}.",
    "H2:NOD ISSUED":
        "On {d}, the Certifying Officer issued a Notice of Deficiency for case {n}. The employer"
        " must submit a modified application by {due}.",
    "H2:NOD RESPONSE RECEIVED":
        "On {d}, the Chicago National Processing Center received the employer's modified"
        " application for case {n}.",
    "H2:ACCEPTED - PENDING RECRUITMENT":
        "On {d}, the Certifying Officer issued a Notice of Acceptance for case {n}. The job order"
        " has been placed with {swa}; the employer's recruitment report is due by {due}.",
    "H2:RECRUITMENT REPORT RECEIVED":
        "On {d}, the Chicago National Processing Center received the employer's recruitment"
        " report for case {n}.",
    "H2:FULL CERTIFICATION":
        "On {d}, the Certifying Officer granted full certification of case {n} for {k} from"
        " {begin} to {end}.",
    "H2:PARTIAL CERTIFICATION":
        "On {d}, the Certifying Officer granted partial certification of case {n}: {k2} of the"
        " {k} requested, from {begin} to {end}.",
    "H2:FULL CERTIFICATION - EXPIRED":
        "On {d}, the certification period for case {n} ended ({begin} to {end}).",
    "H2:PARTIAL CERTIFICATION - EXPIRED":
        "On {d}, the partial certification period for case {n} ended ({begin} to {end}).",
    "H2:DENIED":
        "On {d}, the Certifying Officer denied case {n}. The Final Determination states the"
        " reasons and how to request administrative review.",
    "H2:WITHDRAWN":
        "On {d}, case {n} was withdrawn at the employer's request.",
    "H2:FULL CERTIFICATION - WITHDRAWN":
        "On {d}, the employer withdrew certified case {n}.",
    "H2:NOR ISSUED":
        "On {d}, the Chicago National Processing Center issued a notice rejecting case {n}.",
    "H2:PENDING APPEAL":
        "On {d}, the employer requested administrative review of the decision in case {n}.",
    "H2:APPEAL DECISION - AFFIRMED":
        "On {d}, the administrative review of case {n} affirmed the Certifying Officer's"
        " decision.",
}

H2_SWA: dict[str, str] = {
    "H-2A": "the State Workforce Agency", "H-2B": "the State Workforce Agency",
    "CW-1": "the CNMI Department of Labor",
}
H2_FORMS: dict[str, str] = {
    "H-2A": "Form ETA-9142A, H-2A Application for Temporary Employment Certification",
    "H-2B": "Form ETA-9142B, H-2B Application for Temporary Employment Certification",
    "CW-1": "Form ETA-9142C, CW-1 Application for Temporary Employment Certification",
}

# Persona Raj. The numbers are fixed; their YYDDD is the filing date when today is
# REFERENCE_TODAY, and persona dates move with today so the intervals hold. Their filing-date
# ordinals are 15, 15 and 14 modulo 16, residues the generator never uses.
REFERENCE_TODAY = date(2026, 11, 22)
RAJ_A_NUMBER = "A098765432"
RAJ_PW = ("P-100-23263-318274", "HP7C-3VZE-9TQD")
RAJ_PERM = ("G-100-24218-604417", "R4JW-8NXT-2KMQ")
RAJ_LCA = ("I-200-26126-471205", "LC2A-6WRN-XB5F")
RAJ_JOB: dict[str, str] = {
    "emp": "CASCADIA CLOUD SYSTEMS INC", "job": "Senior Software Engineer", "city": "Seattle, WA",
}
# Raj's I-140 at immigration, filed on the certified PERM (DOL's certification is what the
# I-140 carries, so the labor records name it).
RAJ_I140 = "IOE0990000011"

# Persona Mei: a wage determination and the PERM filed on it, certified about 155 days before
# today and no I-140 filed yet, so the certification's 180-day validity is running (due in
# about 25 days). Filing-date ordinals 14 and 14 modulo 16, like Raj's.
MEI_A_NUMBER = "A076543210"
MEI_PW = ("P-100-24137-736120", "D62P-3PHR-EYNE")
MEI_PERM = ("G-100-25059-281953", "5MNX-JHMK-PZXZ")
MEI_JOB: dict[str, str] = {
    "emp": "HARBORVIEW BIOANALYTICS LLC", "job": "Biostatistician", "city": "Boston, MA",
}
# Days from filing: the wage determination issued, the PERM certified (155 days before
# REFERENCE_TODAY, a Saturday: certified the Monday after).
MEI_PW_DAYS = 229
MEI_PERM_DAYS = (REFERENCE_TODAY.toordinal() - 155) - date(2025, 2, 28).toordinal()
