"""Field names for every category healthcamp never collects (shared by API and web tests)."""

FORBIDDEN_FIELDS = {
    "fingerprint": "biometric",
    "fingerprint_template": "biometric",
    "irisScan": "biometric",
    "retina_image": "biometric",
    "face_photo": "biometric",
    "voiceprint": "biometric",
    "gait_template": "biometric",
    "dna_sample": "genetic",
    "genetic_markers": "genetic",
    "genome": "genetic",
    "ethnicity": "ethnicity",
    "race": "ethnicity",
    "religion": "religion",
    "political_affiliation": "political",
    "political_status": "political",
    "watchlist": "watchlist",
    "risk_flag": "watchlist",
    "focus_person": "watchlist",
    "family_network": "family_network",
    "relatives": "family_network",
}
