"""The facts reports count: one narrow row per visit, written with the visit's decision.

Each row is what the clinical rules decided for one visit (healthcamp.clinical.visit),
kept so that every indicator is one grouped scan, never a re-reading of observations.
It names no one: the participant id is here only as the key that ties a visit to the
person's current consent for programme statistics (and counts people, not visits); no
report returns it. Only ``healthcamp.reports`` and the services import this module.
"""

from __future__ import annotations

from django.db import models

from healthcamp.registry.models import at_most


class VisitFact(models.Model):
    encounter = models.OneToOneField(
        "exams.Encounter", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Deleted with the person (erasure): an erased person is in no later report.
    participant = models.ForeignKey(
        "registry.Participant", on_delete=models.CASCADE, related_name="+"
    )
    programme = models.ForeignKey("registry.Programme", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("registry.Site", on_delete=models.CASCADE, related_name="+")
    visit_date = models.DateField()
    month = models.CharField(max_length=7)  # YYYY-MM, so every engine groups it alike
    sex = models.CharField(max_length=10)
    age_band = models.CharField(max_length=8)  # five-year band at the visit, 85+ on top
    adult = models.BooleanField()  # 18 or older at the visit
    # At least one measured value (not refused, not "not done") of each purpose.
    measured_screening = models.BooleanField(default=False)
    measured_blood = models.BooleanField(default=False)
    screened = models.BooleanField(default=False)
    # The rules' labels and what they mean for the indicators; None: not measured.
    bp_class = models.CharField(max_length=40, blank=True, default="")
    raised_bp = models.BooleanField(null=True)
    diabetes_range = models.BooleanField(null=True)  # a glucose or HbA1c in the range
    diabetes_diagnosed = models.BooleanField(default=False)  # told so by the person
    diabetes = models.BooleanField(null=True)  # either of the two
    bmi_class = models.CharField(max_length=40, blank=True, default="")
    overweight = models.BooleanField(null=True)  # overweight or obese
    obese = models.BooleanField(null=True)
    cholesterol_class = models.CharField(max_length=40, blank=True, default="")
    raised_cholesterol = models.BooleanField(null=True)
    # A value at the rules' urgent level: the station's alarm, an urgent referral on the spot.
    critical = models.BooleanField(default=False)
    # Which of the person's visits each person-level indicator reads: their first
    # screening (reach) and their latest visit that decided each condition.
    first_screening = models.BooleanField(default=False)
    latest_bp = models.BooleanField(default=False)
    latest_diabetes = models.BooleanField(default=False)
    latest_bmi = models.BooleanField(default=False)
    latest_cholesterol = models.BooleanField(default=False)
    latest_visit = models.BooleanField(default=False)  # the person's latest visit of all
    # Their latest visit with a blood pressure reading (bp_class set): "BP controlled"
    # reads it, so the report needs no search of each person's visits.
    latest_reading = models.BooleanField(default=False)
    # The person's current consent grants programme statistics (CurrentConsent): kept
    # with every consent change and every marking, so a report filters one column
    # instead of joining a million people's answers.
    counted = models.BooleanField(default=False)
    # Follow-up of this visit.
    returned_at = models.DateTimeField(null=True)
    days_to_return = models.IntegerField(null=True)  # local days from the visit
    referral_urgency = models.CharField(max_length=10, blank=True, default="")
    referral_attended_at = models.DateTimeField(null=True)
    referral_attended_days = models.IntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["programme", "participant"], name="fact_by_person"),
            # The visits whose results are owed, for the follow-up list's count.
            models.Index(
                fields=["programme", "screened"],
                name="fact_owed",
                condition=models.Q(returned_at__isnull=True),
            ),
        ]
        constraints = [
            at_most("month", 7, "fact_month_length"),
            at_most("sex", 10, "fact_sex_length"),
            at_most("age_band", 8, "fact_age_band_length"),
            at_most("bp_class", 40, "fact_bp_class_length"),
            at_most("bmi_class", 40, "fact_bmi_class_length"),
            at_most("cholesterol_class", 40, "fact_cholesterol_class_length"),
            at_most("referral_urgency", 10, "fact_referral_urgency_length"),
        ]

    def __str__(self) -> str:
        return f"facts of {self.encounter_id}"


class CurrentConsent(models.Model):
    """Each person's answers under their newest consent, as reports count them: written
    in the transaction that records or withdraws a consent, so a report joins one row per
    person instead of searching every consent for the newest (and a withdrawal counts in
    the very next report). Deleted with the person."""

    ANSWERS = ("yes", "no", "withdrawn", "")  # "": not asked under the newest consent

    participant = models.OneToOneField(
        "registry.Participant", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    programme = models.ForeignKey("registry.Programme", on_delete=models.CASCADE, related_name="+")
    screening = models.CharField(max_length=9, blank=True, default="")
    blood_tests = models.CharField(max_length=9, blank=True, default="")
    results_contact = models.CharField(max_length=9, blank=True, default="")
    referral_sharing = models.CharField(max_length=9, blank=True, default="")
    programme_statistics = models.CharField(max_length=9, blank=True, default="")
    deidentified_research = models.CharField(max_length=9, blank=True, default="")

    class Meta:
        indexes = [
            # Covering every answer: the consent cube (people by their six answers) is read
            # off the index in its order, with no table row visited and no sort; so is the
            # list of the people counted.
            models.Index(
                fields=[
                    "programme",
                    "programme_statistics",
                    "screening",
                    "blood_tests",
                    "results_contact",
                    "referral_sharing",
                    "deidentified_research",
                    "participant",  # and who: "the people counted" is read off it too
                ],
                name="current_answers",
            ),
        ]

    def __str__(self) -> str:
        return f"current consent of {self.participant_id}"


class ReportPolicy(models.Model):
    """A programme's own disclosure threshold: every published count is 0 or at least k."""

    DEFAULT_K = 11  # the CMS cell-size suppression rule
    SMALLEST_K = 5

    programme = models.OneToOneField(
        "registry.Programme", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    k = models.PositiveSmallIntegerField(default=DEFAULT_K)
    # The largest k any report was published with: k is never lowered below it, so no one
    # can lower k, read the smaller cells, and raise it again.
    published_k = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(k__gte=5), name="report_k_at_least_5")
        ]

    def __str__(self) -> str:
        return f"k={self.k} for programme {self.programme_id}"


class PrivacyBudget(models.Model):
    """A programme's differential-privacy budget: the total ε its noisy releases may spend
    (OpenDP's discrete Laplace noise). No row: noisy releases are off."""

    programme = models.OneToOneField(
        "registry.Programme", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    epsilon = models.FloatField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(epsilon__gt=0), name="budget_above_0")
        ]

    def __str__(self) -> str:
        return f"ε={self.epsilon} for programme {self.programme_id}"


class PrivacyRelease(models.Model):
    """The ledger: each noisy release and the ε it spent (what was released, never whom)."""

    programme = models.ForeignKey("registry.Programme", on_delete=models.CASCADE, related_name="+")
    released_at = models.DateTimeField()
    epsilon = models.FloatField()
    what = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(epsilon__gt=0), name="release_spends"),
            at_most("what", 200, "release_what_length"),
        ]

    def __str__(self) -> str:
        return f"ε={self.epsilon}: {self.what}"
