"""Field names probing for data healthcamp never collects, and names it legitimately uses.

Look-alike letters are written as escapes so that the disguise is visible in review:
\\u0430 is Cyrillic a, \\u0435 Cyrillic e, \\u043e Cyrillic o, \\u0440 Cyrillic er (looks like p),
\\u0441 Cyrillic es (looks like c), \\u0445 Cyrillic ha (looks like x), \\u0456 Cyrillic i,
\\u03bf Greek omicron, \\u0391 Greek capital alpha, \\u039d Greek capital nu.
"""

# The examples quoted in the finding: refused only as unknown fields by the old matcher.
REPORTED = {
    "photo": "biometric",
    "selfie": "biometric",
    "saliva": "genetic",
    "swab": "genetic",
    "nationality": "nationality",
    "DNAprofile": "genetic",
    "raza": "ethnicity",
    "Rasse": "ethnicity",
    "\uff46\uff41\uff43\uff45_\uff49\uff4d\uff41\uff47\uff45": "biometric",  # full-width face_image
    "f\u0430\u0441\u0435Print": "biometric",  # Cyrillic a, c, e
}

FORBIDDEN_PROBES: dict[str, str] = {
    **REPORTED,
    # biometric: fingerprints, iris, face, photos, voice, gait
    "fingerprint": "biometric",
    "finger_print": "biometric",
    "FingerPrints": "biometric",
    "rightThumbprint": "biometric",
    "palm-print": "biometric",
    "fingerprint.template": "biometric",
    "iris_scan": "biometric",
    "IRISscan": "biometric",
    "irisCode": "biometric",
    "retina_image": "biometric",
    "face": "biometric",
    "faceImage": "biometric",
    "face_image": "biometric",
    "Face-Photo": "biometric",
    "facial_template": "biometric",
    "faceEmbedding": "biometric",
    "photograph": "biometric",
    "photos": "biometric",
    "participantPhoto": "biometric",
    "photo_id": "biometric",
    "id_photo": "biometric",
    "selfies": "biometric",
    "portrait": "biometric",
    "headshot": "biometric",
    "mugshot": "biometric",
    "profile_picture": "biometric",
    "profilePic": "biometric",
    "picture_of_the_person": "biometric",
    "person image": "biometric",
    "voice_sample": "biometric",
    "voiceprint": "biometric",
    "gait_video": "biometric",
    "biometrics": "biometric",
    "biometric_hash": "biometric",
    "huella_dactilar": "biometric",
    "foto": "biometric",
    "rostro": "biometric",
    "empreintes_digitales": "biometric",
    "visage": "biometric",
    "Fingerabdruck": "biometric",
    "Gesichtsbild": "biometric",
    "Lichtbild": "biometric",
    "\u0628\u0635\u0645\u0629": "biometric",  # fingerprint (ar)
    "\u0635\u0648\u0631\u0629_\u0627\u0644\u0648\u062c\u0647": "biometric",  # face photo (ar)
    "\u0628\u0627\u0631\u0645\u0627\u0642 \u0626\u0649\u0632\u0649": "biometric",  # (ug)
    "\u6307\u7eb9": "biometric",  # fingerprint (zh)
    "\u4eba\u8138\u7167\u7247": "biometric",  # face photo (zh)
    "\u0444\u043e\u0442\u043e": "biometric",  # photo (ru)
    "\u043e\u0442\u043f\u0435\u0447\u0430\u0442\u043a\u0438": "biometric",  # prints (ru)
    "ph\u03bfto": "biometric",  # Greek omicron
    "\U0001d41f\U0001d41a\U0001d41c\U0001d41e": "biometric",  # mathematical bold face
    "finger\u200bprint": "biometric",  # zero-width space
    # genetic: DNA, genes, saliva, swabs, biological samples
    "dna": "genetic",
    "dna_profile": "genetic",
    "Dna-Profile": "genetic",
    "DNAProfile": "genetic",
    "dnaSample": "genetic",
    "genetic_markers": "genetic",
    "genome": "genetic",
    "genomeSequence": "genetic",
    "genotype": "genetic",
    "gene_panel": "genetic",
    "snps": "genetic",
    "haplogroup": "genetic",
    "saliva_sample": "genetic",
    "salivaSample": "genetic",
    "cheek_swab": "genetic",
    "buccal_swab": "genetic",
    "swabs": "genetic",
    "biosample_id": "genetic",
    "biological_sample": "genetic",
    "blood_sample_for_dna": "genetic",
    "bloodSample": "genetic",
    "hair_sample": "genetic",
    "specimen_storage": "genetic",
    "biobank_consent": "genetic",
    "ADN": "genetic",
    "muestra_biol\u00f3gica": "genetic",
    "hisopo": "genetic",
    "\u00e9couvillon": "genetic",
    "g\u00e9n\u00e9tique": "genetic",
    "Speichelprobe": "genetic",
    "Erbgut": "genetic",
    "\u0627\u0644\u062d\u0645\u0636 \u0627\u0644\u0646\u0648\u0648\u064a": "genetic",  # DNA (ar)
    "\u0644\u0639\u0627\u0628": "genetic",  # saliva (ar)
    "\u57fa\u56e0": "genetic",  # gene (zh)
    "\u553e\u6db2\u6837\u672c": "genetic",  # saliva sample (zh)
    "\u0434\u043d\u043a": "genetic",  # DNA (ru)
    "d\u0578a": "genetic",  # Armenian vo for n
    # ethnicity and race
    "ethnicity": "ethnicity",
    "ethnic_group": "ethnicity",
    "ethnicOrigin": "ethnicity",
    "race": "ethnicity",
    "Race": "ethnicity",
    "racial_category": "ethnicity",
    "tribe": "ethnicity",
    "caste": "ethnicity",
    "skin_colour": "ethnicity",
    "ancestry": "ethnicity",
    "etnia": "ethnicity",
    "\u00e9tnico": "ethnicity",
    "ethnie": "ethnicity",
    "Ethnie": "ethnicity",
    "ethnisch": "ethnicity",
    "\u0639\u0631\u0642": "ethnicity",  # race (ar)
    "\u0625\u062b\u0646\u064a\u0629": "ethnicity",  # ethnicity (ar)
    "\u0645\u0649\u0644\u0644\u06d5\u062a": "ethnicity",  # nationality/ethnicity (ug)
    "\u6c11\u65cf": "ethnicity",  # ethnic group (zh)
    "национальность": "ethnicity",
    "\u0440\u0430\u0441\u0430": "ethnicity",  # race (ru)
    "r\u0430\u0441\u0435": "ethnicity",  # Cyrillic a, c, e
    "\uff52\uff41\uff43\uff45": "ethnicity",  # full-width race
    # nationality, citizenship, household registration
    "Nationality": "nationality",
    "citizenship": "nationality",
    "citizenshipStatus": "nationality",
    "hukou": "nationality",
    "hukou_type": "nationality",
    "national_origin": "nationality",
    "country_of_origin": "nationality",
    "immigration_status": "nationality",
    "passport_nationality": "nationality",
    "passportNumber": "nationality",
    "refugee_status": "nationality",
    "nacionalidad": "nationality",
    "ciudadan\u00eda": "nationality",
    "nationalit\u00e9": "nationality",
    "Staatsangeh\u00f6rigkeit": "nationality",
    "\u0627\u0644\u062c\u0646\u0633\u064a\u0629": "nationality",  # nationality (ar)
    "\u067e\u06c7\u0642\u0631\u0627\u0644\u0649\u0642": "nationality",  # citizenship (ug)
    "\u6237\u53e3": "nationality",  # hukou (zh)
    "\u56fd\u7c4d": "nationality",  # nationality (zh)
    "\u0433\u0440\u0430\u0436\u0434\u0430\u043d\u0441\u0442\u0432\u043e": "nationality",
    "\u039d\u0391TIONALITY": "nationality",  # Greek capital nu and alpha
    # religion and belief
    "religion": "religion",
    "religious_affiliation": "religion",
    "faith": "religion",
    "beliefs": "religion",
    "denomination": "religion",
    "mosque_attendance": "religion",
    "churchAttendance": "religion",
    "prayer_frequency": "religion",
    "wears_hijab": "religion",
    "halal_diet": "religion",
    "religi\u00f3n": "religion",
    "creencia": "religion",
    "croyance": "religion",
    "Konfession": "religion",
    "\u062f\u064a\u0646": "religion",  # religion (ar)
    "\u0627\u0644\u062f\u064a\u0627\u0646\u0629": "religion",  # the religion (ar)
    "\u062f\u0649\u0646": "religion",  # religion (ug)
    "\u5b97\u6559": "religion",  # religion (zh)
    "\u0440\u0435\u043b\u0438\u0433\u0438\u044f": "religion",  # religion (ru)
    "r\u0435ligi\u043en": "religion",  # Cyrillic e and o
    # political opinion, affiliation, status
    "political_affiliation": "political",
    "political_status": "political",
    "politicalOpinion": "political",
    "party": "political",
    "party_membership": "political",
    "partyMember": "political",
    "ideology": "political",
    "dissident": "political",
    "petitioner": "political",
    "protest_history": "political",
    "activist": "political",
    "partido_pol\u00edtico": "political",
    "Parteimitgliedschaft": "political",
    "\u062d\u0632\u0628": "political",  # party (ar)
    "\u0633\u0649\u064a\u0627\u0633\u0649\u064a": "political",  # political (ug)
    "\u653f\u6cbb\u9762\u8c8c": "political",  # political status (zh)
    "\u043f\u0430\u0440\u0442\u0438\u044f": "political",  # party (ru)
    # watchlist, risk, focus person, suspicion, surveillance
    "watchlist": "watchlist",
    "watch_list": "watchlist",
    "on_watchlist": "watchlist",
    "risk_flag": "watchlist",
    "riskScore": "watchlist",
    "focus_person": "watchlist",
    "focusPerson": "watchlist",
    "person_of_interest": "watchlist",
    "suspicious": "watchlist",
    "suspect_flag": "watchlist",
    "informant": "watchlist",
    "surveillance_notes": "watchlist",
    "blacklisted": "watchlist",
    "lista_de_vigilancia": "watchlist",
    "sospechoso": "watchlist",
    "Gef\u00e4hrder": "watchlist",
    "\u0645\u0634\u062a\u0628\u0647": "watchlist",  # suspect (ar)
    "\u91cd\u70b9\u4eba\u5458": "watchlist",  # focus person (zh)
    "подозрительный": "watchlist",
    # family networks and relatives
    "family_network": "family_network",
    "familyNetwork": "family_network",
    "relatives": "family_network",
    "relatives_names": "family_network",
    "kinship": "family_network",
    "next_of_kin": "family_network",
    "household_members": "family_network",
    "householdMap": "family_network",
    "family_tree": "family_network",
    "family_members": "family_network",
    "siblings": "family_network",
    "familiares": "family_network",
    "parientes": "family_network",
    "Verwandte": "family_network",
    "\u0623\u0642\u0627\u0631\u0628": "family_network",  # relatives (ar)
    "\u062a\u06c7\u063a\u0642\u0627\u0646\u0644\u0627\u0631": "family_network",  # relatives (ug)
    "\u4eb2\u5c5e": "family_network",  # relatives (zh)
    "\u0440\u043e\u0434\u0441\u0442\u0432\u0435\u043d\u043d\u0438\u043a\u0438": "family_network",
}

# Names that must never be refused: ordinary fields, and words that contain a forbidden one.
LEGITIMATE_NAMES: tuple[str, ...] = (
    "given_name",
    "family_name",
    "familyName",
    "date_of_birth",
    "sex",
    "preferred_language",
    "phone",
    "programme_id",
    "card_code",
    "purpose",
    "purposes",
    "method",
    "witness_id",
    "paper_reference",
    "guardian_name",
    "guardian_relationship",
    "assent",
    "decisions",
    "code",
    "value",
    "unit",
    "site_id",
    "encounter_id",
    "measure_code",
    "urgency",
    "clinic_id",
    "status",
    "how",
    "erase",
    "title",
    "body",
    "language",
    "version",
    "name",
    "username",
    "description",
    "at",
    "memberships",
    "members",
    "relationship",
    "family_history",
    "blood_pressure",
    "blood_group",
    "blood_type",
    "blood_tests",
    "surface",
    "body_surface_area",
    "bodySurfaceArea",
    "trace",
    "bracelet",
    "wristband_bracelet",
    "general",
    "general_notes",
    "generation",
    "generic",
    "interface",
    "skin",
    "skin_exam",
    "kind",
    "akin",
    "embrace",
    "grace_period",
    "irish",
    "migraine",
    "migrations",
    "photometer",
    "retinopathy",
    "retinopathy_grade",
    "visual_field",
    "Gesichtsfeld",
    "temple_temperature",
    "third_party_sharing",
    "thirdPartySharing",
    "cardiovascular_risk",
    "risk_factors",
    "voice_call",
    "gait_speed",
    "voicemail",
    "caracalla",
    "Vorname",
    "Nachname",
    "Familienname",
    "Geburtsdatum",
    "Blutdruck",
    "nom_de_famille",
    "date_de_naissance",
    "tension_art\u00e9rielle",
    "rassemblement",
    "nombre",
    "apellido",
    "fecha_de_nacimiento",
    "presi\u00f3n_arterial",
    "grupo_sangu\u00edneo",
    "\u0627\u0644\u0627\u0633\u0645",  # the name (ar)
    "\u0627\u0633\u0645 \u0627\u0644\u0639\u0627\u0626\u0644\u0629",  # family name (ar)
    "\u062a\u0627\u0631\u064a\u062e \u0627\u0644\u0645\u064a\u0644\u0627\u062f",  # birth date (ar)
    "\u0627\u0644\u0645\u062f\u064a\u0646\u0629",  # the city (ar)
    "\u0627\u0644\u0647\u0627\u062a\u0641",  # the phone (ar)
    "\u0642\u0627\u0646\u062f\u0649\u0646",  # from blood (ug)
    "\u8840\u538b",  # blood pressure (zh)
    "\u8840\u578b",  # blood type (zh)
    "\u59d3\u540d",  # name (zh)
    "\u0434\u0430\u0432\u043b\u0435\u043d\u0438\u0435",  # pressure (ru)
    "\u0444\u0430\u043c\u0438\u043b\u0438\u044f",  # surname (ru)
    "\u0433\u0440\u0443\u043f\u043f\u0430_\u043a\u0440\u043e\u0432\u0438",  # blood group (ru)
)
