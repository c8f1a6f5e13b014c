"""What the participant reads, in their language: the meaning of each result, the next
step, the letter's own phrases, and the portal's words. English is the fallback for a language not here yet.

Each language has every key English has (tests/test_words.py checks it), so a page
never mixes languages mid-sentence.
"""

from __future__ import annotations

LANGUAGES = ("en", "ar", "ug", "es")
LANGUAGE_NAMES = {"en": "English", "ar": "العربية", "ug": "ئۇيغۇرچە", "es": "Español"}
RTL = frozenset({"ar", "ug"})

# Each sentence asks for exactly as much as its advice level (healthcamp.clinical.catalogue
# LEVELS): fine and neutral ask nothing; watch asks for a check at a future camp or a routine
# visit; care says to continue care and show the letter; act says "in the next few weeks";
# soon says "within a week"; urgent says "today". No sentence says the person was referred:
# the letter says that separately, only when a referral exists. tests/test_words.py checks it.
# Arabic avoids gendered imperatives (the letter goes to women and men): "يُنصح بـ…", "من المهم…".
_WATCH = {
    "en": "Have it checked again at a future health camp or a routine clinic visit.",
    "ar": "يُنصح بإعادة قياسه في حملة فحص صحي قادمة أو في زيارة عادية للعيادة.",
    "ug": "كېيىنكى سالامەتلىك تەكشۈرۈشتە ياكى دائىملىق دوختۇر كۆرۈشتە قايتا ئۆلچىتىڭ.",
    "es": "Conviene repetir la medición en una próxima jornada de salud o en una consulta de rutina.",
}
_NO_CLINIC_NOW = {
    "en": "No clinic visit is needed now.",
    "ar": "لا حاجة إلى عيادة الآن.",
    "ug": "ھازىر دوختۇرخانىغا بېرىشنىڭ ھاجىتى يوق.",
    "es": "No hace falta ir a una clínica ahora.",
}
_EYES = {
    "en": "See an eye clinic in the next few weeks: glasses or treatment may help.",
    "ar": "يُنصح بمراجعة عيادة عيون خلال الأسابيع القادمة، فقد تساعد النظارة أو العلاج.",
    "ug": "كېيىنكى بىر نەچچە ھەپتە ئىچىدە كۆز دوختۇرىغا كۆرۈنۈڭ: كۆزەينەك ياكى داۋالاش ياردەم بېرىشى مۇمكىن.",
    "es": "Acuda a una clínica de ojos en las próximas semanas: unas gafas o un tratamiento pueden ayudar.",
}

MEANING: dict[str, dict[str, str]] = {
    "en": {
        # shared by every measure's healthy band (blood pressure, pulse, BMI, waist, sugar, eyes)
        "normal": "In the healthy range.",
        "optimal": "In the healthy range.",
        "desirable": "In the healthy range.",
        # blood pressure, adults
        "high_normal": f"At the top of the healthy range. {_NO_CLINIC_NOW['en']} {_WATCH['en']}",
        "hypotension": "Low. This is often harmless. If you feel dizzy or faint, see a clinic.",
        "hypertension_grade_1": "Raised. See a clinic in the next few weeks for another check.",
        "hypertension_grade_2": "High. See a clinic in the next few weeks. Treatment helps.",
        "hypertension_grade_3": (
            "Very high. See a clinic within a week. Go today if you have chest pain, "
            "shortness of breath, weakness, a bad headache or blurred vision."
        ),
        "hypertension_grade_3_symptoms": "Very high, with warning signs. Go to a clinic or hospital today.",
        "normal_pregnancy": "In the healthy range for pregnancy.",
        "hypertension_pregnancy": (
            "Raised for pregnancy. See your midwife or maternity clinic within a week. "
            "Go today if you have a headache, blurred vision or sudden swelling."
        ),
        "severe_hypertension_pregnancy": "Very high for pregnancy. Go to a maternity clinic or hospital today.",
        "continue_care_hypertension": (
            "Above the healthy range. Continue your care for blood pressure, "
            "and show this letter at your next clinic visit."
        ),
        # blood pressure, children (read for age and height)
        "child_bp_normal": "In the healthy range for age and height.",
        "child_bp_high_normal": (
            f"At the top of the healthy range for age and height. {_NO_CLINIC_NOW['en']} {_WATCH['en']}"
        ),
        "child_bp_hypertension_stage_1": "Raised for age and height. See a clinic in the next few weeks for another check.",
        "child_bp_hypertension_stage_2": (
            "High for age and height. See a clinic within a week. Go today if there is a bad "
            "headache, chest pain, shortness of breath or blurred vision."
        ),
        "child_bp_not_classified_no_height": (
            "Cannot be judged without a height measurement. See a clinic in the next few weeks for a check."
        ),
        "child_bp_not_classified_age": "Not judged here: for babies, a clinic reads blood pressure.",
        # pulse
        "slow": "Slow. This is often harmless. If you feel dizzy or faint, see a clinic.",
        "fast": f"Fast. Hurry, worry, coffee or strong tea can cause this. {_WATCH['en']}",
        # body mass index, adults
        "severe_thinness": "Very thin for your height. See a clinic in the next few weeks.",
        "underweight": f"A little thin for your height. {_WATCH['en']}",
        "overweight": "Above the healthy weight for your height. Moving more and eating well help.",
        "obesity": "Well above the healthy weight for your height. See a clinic in the next few weeks: they can help.",
        "severe_obesity": "Far above the healthy weight for your height. See a clinic in the next few weeks: they can help.",
        # body mass index, children and teenagers (WHO growth reference)
        "child_thinness_severe": "Very thin for age and height. See a clinic in the next few weeks.",
        "child_thinness": "Thin for age and height. See a clinic in the next few weeks for a growth check.",
        "child_normal": "In the healthy range for age and height.",
        "child_overweight": f"Above the healthy weight for age and height. {_WATCH['en']}",
        "child_obesity": (
            "Well above the healthy weight for age and height. See a clinic in the next few weeks: they can help."
        ),
        "not_classified_under_5": "Not judged here: for children under 5, a clinic reads weight on a growth chart.",
        # waist
        "waist_above": "Above the healthy size. Moving more and eating well help.",
        "waist_well_above": (
            "Well above the healthy size. This raises the risk of diabetes and heart disease. "
            "See a clinic in the next few weeks."
        ),
        # blood sugar
        "very_low": "Very low. Eat or drink something sugary now, and go to a clinic today.",
        "low": "Low. Eat something now. If it happens again, see a clinic.",
        "impaired_fasting_glucose": "Higher than healthy. See a clinic in the next few weeks for another test.",
        "needs_test": (
            "Higher than expected. See a clinic in the next few weeks for a sugar test before eating "
            "(fasting) or an HbA1c test."
        ),
        "diabetes_range": "In the diabetes range. See a clinic in the next few weeks to confirm it.",
        "gestational_diabetes_range": (
            "Higher than healthy for pregnancy. Tell your midwife or maternity clinic in the next few weeks."
        ),
        "very_high": "Very high. Go to a clinic or hospital today.",
        "meter_high": "Too high for the meter to show. Go to a clinic or hospital today.",
        "meter_low": (
            "Too low for the meter to show. Eat or drink something sugary now, and go to a clinic or hospital today."
        ),
        "continue_care_diabetes": (
            "Above the healthy range. Continue your care for diabetes, and show this letter at your next clinic visit."
        ),
        # HbA1c
        "prediabetes": (
            "Higher than healthy, but below the diabetes range. See a clinic in the next few weeks for advice."
        ),
        # cholesterol
        "borderline_high": f"Slightly high. {_WATCH['en']}",
        "high": "High. See a clinic in the next few weeks.",
        # eyesight
        "mild_impairment": f"Slightly weak sight. {_EYES['en']}",
        "moderate_impairment": f"Weak sight. {_EYES['en']}",
        "severe_impairment": f"Very weak sight. {_EYES['en']}",
        "blindness_range": f"Very weak sight, in the blindness range. {_EYES['en']}",
        # blood group
        "rh_negative_pregnant": "Rh negative. Tell your midwife you are Rh negative: it matters in pregnancy.",
        # no reading, and why
        "not_classified_child": (
            "Not judged here: adult ranges do not fit children. A clinic reads children's values on their own charts."
        ),
        "not_classified_pregnancy": "Not judged here: the usual healthy range does not apply in pregnancy.",
        "not_classified_sex": "Not judged here: the healthy range depends on sex, and there is none for the sex recorded.",
        "not_classified": "Not judged here: there is no healthy range to compare it with.",
        "absent_refused": "Not measured, by choice.",
        "absent_not_done": "Not measured at this visit.",
        "absent_unable": "Could not be measured at this visit.",
    },
    "ar": {
        "normal": "ضمن المعدل الصحي.",
        "optimal": "ضمن المعدل الصحي.",
        "desirable": "ضمن المعدل الصحي.",
        "high_normal": f"في أعلى المعدل الصحي. {_NO_CLINIC_NOW['ar']} {_WATCH['ar']}",
        "hypotension": "منخفض. غالبًا لا ضرر منه. عند الشعور بدوخة أو إغماء، يُنصح بمراجعة عيادة.",
        "hypertension_grade_1": "مرتفع. يُنصح بمراجعة عيادة خلال الأسابيع القادمة لإعادة القياس.",
        "hypertension_grade_2": "مرتفع بوضوح. يُنصح بمراجعة عيادة خلال الأسابيع القادمة. العلاج يساعد.",
        "hypertension_grade_3": (
            "مرتفع جدًا. يُنصح بمراجعة عيادة خلال أسبوع. ومن المهم الذهاب اليوم عند ألم الصدر، "
            "أو ضيق التنفس، أو الضعف، أو الصداع الشديد، أو تشوش الرؤية."
        ),
        "hypertension_grade_3_symptoms": "مرتفع جدًا، مع علامات خطر. من المهم الذهاب إلى عيادة أو مستشفى اليوم.",
        "normal_pregnancy": "ضمن المعدل الصحي للحمل.",
        "hypertension_pregnancy": (
            "مرتفع بالنسبة للحمل. يُنصح بمراجعة القابلة أو عيادة متابعة الحمل خلال أسبوع. "
            "ومن المهم الذهاب اليوم عند الصداع، أو تشوش الرؤية، أو التورم المفاجئ."
        ),
        "severe_hypertension_pregnancy": "مرتفع جدًا بالنسبة للحمل. من المهم الذهاب إلى مستشفى أو عيادة توليد اليوم.",
        "continue_care_hypertension": (
            "أعلى من المعدل الصحي. يُنصح بمواصلة علاج ضغط الدم ومتابعته، "
            "وعرض هذه الرسالة في الزيارة القادمة للعيادة."
        ),
        "child_bp_normal": "ضمن المعدل الصحي بالنسبة للعمر والطول.",
        "child_bp_high_normal": f"في أعلى المعدل الصحي بالنسبة للعمر والطول. {_NO_CLINIC_NOW['ar']} {_WATCH['ar']}",
        "child_bp_hypertension_stage_1": (
            "مرتفع بالنسبة للعمر والطول. يُنصح بمراجعة عيادة خلال الأسابيع القادمة لإعادة القياس."
        ),
        "child_bp_hypertension_stage_2": (
            "مرتفع بوضوح بالنسبة للعمر والطول. يُنصح بمراجعة عيادة خلال أسبوع. ومن المهم الذهاب اليوم "
            "عند الصداع الشديد، أو ألم الصدر، أو ضيق التنفس، أو تشوش الرؤية."
        ),
        "child_bp_not_classified_no_height": (
            "لا يمكن تقييمه دون قياس الطول. يُنصح بمراجعة عيادة خلال الأسابيع القادمة للفحص."
        ),
        "child_bp_not_classified_age": "لا يُقيَّم هنا: ضغط الدم عند الرضّع تقيّمه العيادة.",
        "slow": "بطيء. غالبًا لا ضرر منه. عند الشعور بدوخة أو إغماء، يُنصح بمراجعة عيادة.",
        "fast": f"سريع. قد يكون السبب العجلة أو القلق أو القهوة أو الشاي الثقيل. {_WATCH['ar']}",
        "severe_thinness": "الوزن قليل جدًا بالنسبة للطول. يُنصح بمراجعة عيادة خلال الأسابيع القادمة.",
        "underweight": f"الوزن أقل قليلًا من الصحي بالنسبة للطول. {_WATCH['ar']}",
        "overweight": "الوزن أعلى من الصحي بالنسبة للطول. الحركة أكثر والأكل الصحي يساعدان.",
        "obesity": (
            "الوزن أعلى بكثير من الصحي بالنسبة للطول. يُنصح بمراجعة عيادة خلال الأسابيع القادمة، "
            "فهي تستطيع المساعدة."
        ),
        "severe_obesity": (
            "الوزن أعلى بكثير جدًا من الصحي بالنسبة للطول. يُنصح بمراجعة عيادة خلال الأسابيع القادمة، "
            "فهي تستطيع المساعدة."
        ),
        "child_thinness_severe": "الوزن قليل جدًا بالنسبة للعمر والطول. يُنصح بمراجعة عيادة خلال الأسابيع القادمة.",
        "child_thinness": "الوزن قليل بالنسبة للعمر والطول. يُنصح بمراجعة عيادة خلال الأسابيع القادمة لفحص النمو.",
        "child_normal": "ضمن المعدل الصحي بالنسبة للعمر والطول.",
        "child_overweight": f"الوزن أعلى من الصحي بالنسبة للعمر والطول. {_WATCH['ar']}",
        "child_obesity": (
            "الوزن أعلى بكثير من الصحي بالنسبة للعمر والطول. يُنصح بمراجعة عيادة خلال الأسابيع القادمة، "
            "فهي تستطيع المساعدة."
        ),
        "not_classified_under_5": "لا يُقيَّم هنا: للأطفال دون 5 سنوات، تقيّم العيادة الوزن على منحنى النمو.",
        "waist_above": "أعلى من الحد الصحي. الحركة أكثر والأكل الصحي يساعدان.",
        "waist_well_above": (
            "أعلى بكثير من الحد الصحي. هذا يزيد خطر السكري وأمراض القلب. "
            "يُنصح بمراجعة عيادة خلال الأسابيع القادمة."
        ),
        "very_low": "منخفض جدًا. من المهم أكل أو شرب شيء فيه سكر الآن، ثم الذهاب إلى عيادة اليوم.",
        "low": "منخفض. من المهم أكل شيء الآن. إذا تكرر ذلك، يُنصح بمراجعة عيادة.",
        "impaired_fasting_glucose": "أعلى من الصحي. يُنصح بمراجعة عيادة خلال الأسابيع القادمة لإعادة الفحص.",
        "needs_test": (
            "أعلى من المتوقع. يُنصح بمراجعة عيادة خلال الأسابيع القادمة لفحص السكر على الريق أو فحص HbA1c."
        ),
        "diabetes_range": "ضمن نطاق السكري. يُنصح بمراجعة عيادة خلال الأسابيع القادمة للتأكد.",
        "gestational_diabetes_range": (
            "أعلى من الصحي بالنسبة للحمل. يُنصح بإخبار القابلة أو عيادة متابعة الحمل خلال الأسابيع القادمة."
        ),
        "very_high": "مرتفع جدًا. من المهم الذهاب إلى عيادة أو مستشفى اليوم.",
        "meter_high": "أعلى مما يستطيع الجهاز عرضه. من المهم الذهاب إلى عيادة أو مستشفى اليوم.",
        "meter_low": (
            "أقل مما يستطيع الجهاز عرضه. من المهم أكل أو شرب شيء فيه سكر الآن، "
            "ثم الذهاب إلى عيادة أو مستشفى اليوم."
        ),
        "continue_care_diabetes": (
            "أعلى من المعدل الصحي. يُنصح بمواصلة علاج السكري ومتابعته، وعرض هذه الرسالة في الزيارة القادمة للعيادة."
        ),
        "prediabetes": "أعلى من الصحي، لكنه دون نطاق السكري. يُنصح بمراجعة عيادة خلال الأسابيع القادمة للنصيحة.",
        "borderline_high": f"مرتفع قليلًا. {_WATCH['ar']}",
        "high": "مرتفع. يُنصح بمراجعة عيادة خلال الأسابيع القادمة.",
        "mild_impairment": f"النظر ضعيف قليلًا. {_EYES['ar']}",
        "moderate_impairment": f"النظر ضعيف. {_EYES['ar']}",
        "severe_impairment": f"النظر ضعيف جدًا. {_EYES['ar']}",
        "blindness_range": f"النظر ضعيف جدًا، في نطاق العمى. {_EYES['ar']}",
        "rh_negative_pregnant": "عامل الريسوس (Rh) سالب. يُنصح بإخبار القابلة بذلك، لأنه مهم أثناء الحمل.",
        "not_classified_child": (
            "لا يُقيَّم هنا: معدلات البالغين لا تناسب الأطفال. تقيّم العيادة قيم الأطفال على جداول خاصة بهم."
        ),
        "not_classified_pregnancy": "لا يُقيَّم هنا: المعدل الصحي المعتاد لا ينطبق أثناء الحمل.",
        "not_classified_sex": "لا يُقيَّم هنا: المعدل الصحي يختلف حسب الجنس، ولا يوجد معدل للجنس المسجل.",
        "not_classified": "لا يُقيَّم هنا: لا يوجد معدل صحي للمقارنة.",
        "absent_refused": "لم يُقَس، لعدم الموافقة عليه.",
        "absent_not_done": "لم يُقَس في هذه الزيارة.",
        "absent_unable": "تعذّر قياسه في هذه الزيارة.",
    },
    "ug": {
        "normal": "ساغلام دائىرىدە.",
        "optimal": "ساغلام دائىرىدە.",
        "desirable": "ساغلام دائىرىدە.",
        "high_normal": f"ساغلام دائىرىنىڭ يۇقىرى چېكىدە. {_NO_CLINIC_NOW['ug']} {_WATCH['ug']}",
        "hypotension": (
            "تۆۋەن. كۆپىنچە زىيىنى يوق. بېشىڭىز قايسا ياكى ھوشىڭىزدىن كەتسىڭىز، دوختۇرخانىغا كۆرۈنۈڭ."
        ),
        "hypertension_grade_1": "يۇقىرى. كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا بېرىپ قايتا ئۆلچىتىڭ.",
        "hypertension_grade_2": (
            "خېلى يۇقىرى. كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا كۆرۈنۈڭ. داۋالاش ياردەم بېرىدۇ."
        ),
        "hypertension_grade_3": (
            "ناھايىتى يۇقىرى. بىر ھەپتە ئىچىدە دوختۇرخانىغا كۆرۈنۈڭ. كۆكرىكىڭىز ئاغرىسا، نەپىسىڭىز قىسىلسا، "
            "ماغدۇرىڭىز قالمىسا، بېشىڭىز قاتتىق ئاغرىسا ياكى كۆزىڭىز تورلاشسا، بۈگۈنلا بېرىڭ."
        ),
        "hypertension_grade_3_symptoms": "ناھايىتى يۇقىرى، خەتەر ئالامەتلىرى بار. بۈگۈنلا دوختۇرخانىغا بېرىڭ.",
        "normal_pregnancy": "ھامىلدارلىق ئۈچۈن ساغلام دائىرىدە.",
        "hypertension_pregnancy": (
            "ھامىلدارلىق ئۈچۈن يۇقىرى. بىر ھەپتە ئىچىدە تۇغۇت دوختۇرىڭىزغا ياكى ئانا-بالا دوختۇرخانىسىغا "
            "كۆرۈنۈڭ. بېشىڭىز ئاغرىسا، كۆزىڭىز تورلاشسا ياكى بەدىنىڭىز تۇيۇقسىز ئىششىسا، بۈگۈنلا بېرىڭ."
        ),
        "severe_hypertension_pregnancy": (
            "ھامىلدارلىق ئۈچۈن ناھايىتى يۇقىرى. بۈگۈنلا تۇغۇتخانىغا ياكى دوختۇرخانىغا بېرىڭ."
        ),
        "continue_care_hypertension": (
            "ساغلام دائىرىدىن يۇقىرى. قان بېسىمى ئۈچۈن ھازىرقى داۋالىنىش ۋە تەكشۈرتۈشنى داۋاملاشتۇرۇڭ، "
            "كېيىنكى قېتىم دوختۇرخانىغا بارغاندا بۇ خەتنى كۆرسىتىڭ."
        ),
        "child_bp_normal": "ياش ۋە بويغا نىسبەتەن ساغلام دائىرىدە.",
        "child_bp_high_normal": (
            f"ياش ۋە بويغا نىسبەتەن ساغلام دائىرىنىڭ يۇقىرى چېكىدە. {_NO_CLINIC_NOW['ug']} {_WATCH['ug']}"
        ),
        "child_bp_hypertension_stage_1": (
            "ياش ۋە بويغا نىسبەتەن يۇقىرى. كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا بېرىپ قايتا ئۆلچىتىڭ."
        ),
        "child_bp_hypertension_stage_2": (
            "ياش ۋە بويغا نىسبەتەن خېلى يۇقىرى. بىر ھەپتە ئىچىدە دوختۇرخانىغا كۆرۈنۈڭ. باش قاتتىق ئاغرىسا، "
            "كۆكرەك ئاغرىسا، نەپەس قىسىلسا ياكى كۆز تورلاشسا، بۈگۈنلا بېرىڭ."
        ),
        "child_bp_not_classified_no_height": (
            "بوي ئۆلچەنمىگەچكە، بۇنى باھالىغىلى بولمايدۇ. كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا بېرىپ تەكشۈرتۈڭ."
        ),
        "child_bp_not_classified_age": "بۇ يەردە باھالانمىدى: بوۋاقلارنىڭ قان بېسىمىنى دوختۇرخانا باھالايدۇ.",
        "slow": "ئاستا. كۆپىنچە زىيىنى يوق. بېشىڭىز قايسا ياكى ھوشىڭىزدىن كەتسىڭىز، دوختۇرخانىغا كۆرۈنۈڭ.",
        "fast": f"تېز. ئالدىراش، ئەنسىرەش، قەھۋە ياكى قويۇق چاي سەۋەبىدىن بولۇشى مۇمكىن. {_WATCH['ug']}",
        "severe_thinness": "بويىڭىزغا نىسبەتەن بەك ئورۇق. كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا كۆرۈنۈڭ.",
        "underweight": f"بويىڭىزغا نىسبەتەن سەل ئورۇق. {_WATCH['ug']}",
        "overweight": (
            "بويىڭىزغا نىسبەتەن ئېغىرلىقىڭىز ساغلام چەكتىن يۇقىرى. "
            "كۆپرەك ھەرىكەت قىلىش ۋە ساغلام يېمەك-ئىچمەك ياردەم بېرىدۇ."
        ),
        "obesity": (
            "بويىڭىزغا نىسبەتەن ئېغىرلىقىڭىز ساغلام چەكتىن خېلى يۇقىرى. "
            "كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا كۆرۈنۈڭ، ئۇلار ياردەم بېرەلەيدۇ."
        ),
        "severe_obesity": (
            "بويىڭىزغا نىسبەتەن ئېغىرلىقىڭىز ساغلام چەكتىن ناھايىتى يۇقىرى. "
            "كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا كۆرۈنۈڭ، ئۇلار ياردەم بېرەلەيدۇ."
        ),
        "child_thinness_severe": "ياش ۋە بويغا نىسبەتەن بەك ئورۇق. كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا كۆرۈنۈڭ.",
        "child_thinness": (
            "ياش ۋە بويغا نىسبەتەن ئورۇق. كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا بېرىپ ئۆسۈشنى تەكشۈرتۈڭ."
        ),
        "child_normal": "ياش ۋە بويغا نىسبەتەن ساغلام دائىرىدە.",
        "child_overweight": f"ياش ۋە بويغا نىسبەتەن ئېغىرلىق ساغلام چەكتىن يۇقىرى. {_WATCH['ug']}",
        "child_obesity": (
            "ياش ۋە بويغا نىسبەتەن ئېغىرلىق ساغلام چەكتىن خېلى يۇقىرى. "
            "كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا كۆرۈنۈڭ، ئۇلار ياردەم بېرەلەيدۇ."
        ),
        "not_classified_under_5": (
            "بۇ يەردە باھالانمىدى: 5 ياشتىن كىچىك بالىلارنىڭ ئېغىرلىقىنى دوختۇرخانا ئۆسۈش جەدۋىلىدە باھالايدۇ."
        ),
        "waist_above": "ساغلام چەكتىن يۇقىرى. كۆپرەك ھەرىكەت قىلىش ۋە ساغلام يېمەك-ئىچمەك ياردەم بېرىدۇ.",
        "waist_well_above": (
            "ساغلام چەكتىن خېلى يۇقىرى. بۇ دىئابىت ۋە يۈرەك كېسىلى خەۋپىنى ئاشۇرىدۇ. "
            "كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا كۆرۈنۈڭ."
        ),
        "very_low": "ناھايىتى تۆۋەن. ھازىرلا تاتلىق بىر نەرسە يەڭ ياكى ئىچىڭ، ئاندىن بۈگۈنلا دوختۇرخانىغا بېرىڭ.",
        "low": "تۆۋەن. ھازىر بىر نەرسە يەڭ. يەنە شۇنداق بولسا، دوختۇرخانىغا كۆرۈنۈڭ.",
        "impaired_fasting_glucose": (
            "ساغلامدىن يۇقىرى. كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا بېرىپ قايتا تەكشۈرتۈڭ."
        ),
        "needs_test": (
            "كۈتكەندىن يۇقىرى. كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا بېرىپ، "
            "ئاچ قورساق قان قەنتى ياكى HbA1c تەكشۈرتۈڭ."
        ),
        "diabetes_range": (
            "دىئابىت (قەنت كېسىلى) دائىرىسىدە. كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا بېرىپ جەزملەشتۈرۈڭ."
        ),
        "gestational_diabetes_range": (
            "ھامىلدارلىق ئۈچۈن ساغلامدىن يۇقىرى. كېيىنكى بىر نەچچە ھەپتە ئىچىدە "
            "تۇغۇت دوختۇرىڭىزغا ياكى ئانا-بالا دوختۇرخانىسىغا ئېيتىڭ."
        ),
        "very_high": "ناھايىتى يۇقىرى. بۈگۈنلا دوختۇرخانىغا بېرىڭ.",
        "meter_high": "ئەسۋاب كۆرسىتەلمىگۈدەك دەرىجىدە يۇقىرى. بۈگۈنلا دوختۇرخانىغا بېرىڭ.",
        "meter_low": (
            "ئەسۋاب كۆرسىتەلمىگۈدەك دەرىجىدە تۆۋەن. ھازىرلا تاتلىق بىر نەرسە يەڭ ياكى ئىچىڭ، "
            "ئاندىن بۈگۈنلا دوختۇرخانىغا بېرىڭ."
        ),
        "continue_care_diabetes": (
            "ساغلام دائىرىدىن يۇقىرى. دىئابىت ئۈچۈن ھازىرقى داۋالىنىش ۋە تەكشۈرتۈشنى داۋاملاشتۇرۇڭ، "
            "كېيىنكى قېتىم دوختۇرخانىغا بارغاندا بۇ خەتنى كۆرسىتىڭ."
        ),
        "prediabetes": (
            "ساغلامدىن يۇقىرى، لېكىن دىئابىت دائىرىسىگە يەتمىگەن. "
            "كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا بېرىپ مەسلىھەت ئېلىڭ."
        ),
        "borderline_high": f"سەل يۇقىرى. {_WATCH['ug']}",
        "high": "يۇقىرى. كېيىنكى بىر نەچچە ھەپتە ئىچىدە دوختۇرخانىغا كۆرۈنۈڭ.",
        "mild_impairment": f"كۆرۈش سەل ئاجىز. {_EYES['ug']}",
        "moderate_impairment": f"كۆرۈش ئاجىز. {_EYES['ug']}",
        "severe_impairment": f"كۆرۈش بەك ئاجىز. {_EYES['ug']}",
        "blindness_range": f"كۆرۈش بەك ئاجىز، قارىغۇلۇق دائىرىسىدە. {_EYES['ug']}",
        "rh_negative_pregnant": (
            "Rh مەنپىي. تۇغۇت دوختۇرىڭىزغا Rh مەنپىي ئىكەنلىكىڭىزنى ئېيتىڭ: بۇ ھامىلدارلىقتا مۇھىم."
        ),
        "not_classified_child": (
            "بۇ يەردە باھالانمىدى: چوڭلارنىڭ دائىرىسى بالىلارغا ماس كەلمەيدۇ. "
            "بالىلارنىڭ قىممىتىنى دوختۇرخانا بالىلارغا خاس جەدۋەلدە باھالايدۇ."
        ),
        "not_classified_pregnancy": "بۇ يەردە باھالانمىدى: ئادەتتىكى ساغلام دائىرە ھامىلدارلىقتا ماس كەلمەيدۇ.",
        "not_classified_sex": (
            "بۇ يەردە باھالانمىدى: ساغلام دائىرە جىنسقا قاراپ ئوخشىمايدۇ، خاتىرىلەنگەن جىنس ئۈچۈن دائىرە يوق."
        ),
        "not_classified": "بۇ يەردە باھالانمىدى: سېلىشتۇرىدىغان ساغلام دائىرە يوق.",
        "absent_refused": "ئۆز خاھىشى بويىچە ئۆلچەنمىدى.",
        "absent_not_done": "بۇ قېتىم ئۆلچەنمىدى.",
        "absent_unable": "بۇ قېتىم ئۆلچىگىلى بولمىدى.",
    },
    "es": {
        "normal": "En el rango saludable.",
        "optimal": "En el rango saludable.",
        "desirable": "En el rango saludable.",
        "high_normal": f"En el límite alto del rango saludable. {_NO_CLINIC_NOW['es']} {_WATCH['es']}",
        "hypotension": "Baja. Suele ser inofensiva. Si se marea o se desmaya, acuda a una clínica.",
        "hypertension_grade_1": "Elevada. Acuda a una clínica en las próximas semanas para repetir la medición.",
        "hypertension_grade_2": "Alta. Acuda a una clínica en las próximas semanas. El tratamiento ayuda.",
        "hypertension_grade_3": (
            "Muy alta. Acuda a una clínica dentro de una semana. Vaya hoy mismo si tiene dolor de pecho, "
            "falta de aire, debilidad, dolor de cabeza fuerte o visión borrosa."
        ),
        "hypertension_grade_3_symptoms": "Muy alta, con señales de alarma. Vaya hoy a una clínica o a un hospital.",
        "normal_pregnancy": "En el rango saludable para el embarazo.",
        "hypertension_pregnancy": (
            "Elevada para el embarazo. Acuda a su matrona o a su clínica de maternidad dentro de una semana. "
            "Vaya hoy mismo si tiene dolor de cabeza, visión borrosa o hinchazón repentina."
        ),
        "severe_hypertension_pregnancy": "Muy alta para el embarazo. Vaya hoy a una maternidad o a un hospital.",
        "continue_care_hypertension": (
            "Por encima del rango saludable. Siga con el control de su presión y muestre esta carta "
            "en su próxima consulta."
        ),
        "child_bp_normal": "En el rango saludable para la edad y la estatura.",
        "child_bp_high_normal": (
            f"En el límite alto del rango saludable para la edad y la estatura. {_NO_CLINIC_NOW['es']} {_WATCH['es']}"
        ),
        "child_bp_hypertension_stage_1": (
            "Elevada para la edad y la estatura. Acuda a una clínica en las próximas semanas para repetir la medición."
        ),
        "child_bp_hypertension_stage_2": (
            "Alta para la edad y la estatura. Acuda a una clínica dentro de una semana. Vaya hoy mismo si hay "
            "dolor de cabeza fuerte, dolor de pecho, falta de aire o visión borrosa."
        ),
        "child_bp_not_classified_no_height": (
            "No se puede valorar sin medir la estatura. Acuda a una clínica en las próximas semanas para una revisión."
        ),
        "child_bp_not_classified_age": "No se valora aquí: en los bebés, la presión la valora una clínica.",
        "slow": "Lento. Suele ser inofensivo. Si se marea o se desmaya, acuda a una clínica.",
        "fast": f"Rápido. Puede deberse a prisa, nervios, café o té fuerte. {_WATCH['es']}",
        "severe_thinness": "Peso muy bajo para su estatura. Acuda a una clínica en las próximas semanas.",
        "underweight": f"Peso algo bajo para su estatura. {_WATCH['es']}",
        "overweight": "Peso por encima del saludable para su estatura. Moverse más y comer sano ayuda.",
        "obesity": (
            "Peso bastante por encima del saludable para su estatura. "
            "Acuda a una clínica en las próximas semanas: allí pueden ayudarle."
        ),
        "severe_obesity": (
            "Peso muy por encima del saludable para su estatura. "
            "Acuda a una clínica en las próximas semanas: allí pueden ayudarle."
        ),
        "child_thinness_severe": "Peso muy bajo para la edad y la estatura. Acuda a una clínica en las próximas semanas.",
        "child_thinness": (
            "Peso bajo para la edad y la estatura. Acuda a una clínica en las próximas semanas "
            "para revisar el crecimiento."
        ),
        "child_normal": "En el rango saludable para la edad y la estatura.",
        "child_overweight": f"Peso por encima del saludable para la edad y la estatura. {_WATCH['es']}",
        "child_obesity": (
            "Peso bastante por encima del saludable para la edad y la estatura. "
            "Acuda a una clínica en las próximas semanas: allí pueden ayudar."
        ),
        "not_classified_under_5": (
            "No se valora aquí: en menores de 5 años, una clínica valora el peso con una curva de crecimiento."
        ),
        "waist_above": "Por encima de la medida saludable. Moverse más y comer sano ayuda.",
        "waist_well_above": (
            "Bastante por encima de la medida saludable. Esto aumenta el riesgo de diabetes y de enfermedades "
            "del corazón. Acuda a una clínica en las próximas semanas."
        ),
        "very_low": "Valor muy bajo. Coma o beba algo con azúcar ahora y vaya hoy a una clínica.",
        "low": "Valor bajo. Coma algo ahora. Si vuelve a pasar, acuda a una clínica.",
        "impaired_fasting_glucose": (
            "Más alto de lo saludable. Acuda a una clínica en las próximas semanas para repetir la prueba."
        ),
        "needs_test": (
            "Más alto de lo esperado. Acuda a una clínica en las próximas semanas para una prueba de azúcar "
            "en ayunas o de HbA1c."
        ),
        "diabetes_range": "En el rango de la diabetes. Acuda a una clínica en las próximas semanas para confirmarlo.",
        "gestational_diabetes_range": (
            "Más alto de lo saludable para el embarazo. Dígaselo a su matrona o a su clínica de maternidad "
            "en las próximas semanas."
        ),
        "very_high": "Valor muy alto. Vaya hoy a una clínica o a un hospital.",
        "meter_high": "Tan alto que el aparato no puede mostrarlo. Vaya hoy a una clínica o a un hospital.",
        "meter_low": (
            "Tan bajo que el aparato no puede mostrarlo. Coma o beba algo con azúcar ahora "
            "y vaya hoy a una clínica o a un hospital."
        ),
        "continue_care_diabetes": (
            "Por encima del rango saludable. Siga con el control de su diabetes y muestre esta carta "
            "en su próxima consulta."
        ),
        "prediabetes": (
            "Más alto de lo saludable, pero por debajo del rango de la diabetes. "
            "Acuda a una clínica en las próximas semanas para recibir consejo."
        ),
        "borderline_high": f"Algo alto. {_WATCH['es']}",
        "high": "Alto. Acuda a una clínica en las próximas semanas.",
        "mild_impairment": f"Vista algo baja. {_EYES['es']}",
        "moderate_impairment": f"Vista baja. {_EYES['es']}",
        "severe_impairment": f"Vista muy baja. {_EYES['es']}",
        "blindness_range": f"Vista muy baja, en el rango de la ceguera. {_EYES['es']}",
        "rh_negative_pregnant": (
            "Rh negativo. Dígale a su matrona que su sangre es Rh negativo: es importante en el embarazo."
        ),
        "not_classified_child": (
            "No se valora aquí: los rangos de adultos no sirven para niños. "
            "Una clínica lee los resultados de los niños en sus propias tablas."
        ),
        "not_classified_pregnancy": "No se valora aquí: el rango saludable habitual no sirve durante el embarazo.",
        "not_classified_sex": (
            "No se valora aquí: el rango saludable depende del sexo, y no hay uno para el sexo registrado."
        ),
        "not_classified": "No se valora aquí: no hay un rango saludable con el que compararlo.",
        "absent_refused": "No se midió, por decisión propia.",
        "absent_not_done": "No se midió en esta visita.",
        "absent_unable": "No se pudo medir en esta visita.",
    },
}

# One sentence for the visit's most severe level. Person-neutral, so that it reads right in
# a child's letter addressed to a parent.
NEXT_STEP: dict[str, dict[str, str]] = {
    "en": {
        "neutral": "Nothing here needs action. Keep this letter safe.",
        "fine": (
            "No action is needed now. Keep this letter for the next health camp, "
            "and see a clinic at any time if unwell."
        ),
        "watch": (
            "No clinic visit is needed now. Have these results checked again at the next health camp "
            "or a routine clinic visit, with this letter."
        ),
        "care": "Continue the care already in place, and show this letter at the next clinic visit.",
        "act": "See a clinic in the next few weeks, with this letter.",
        "soon": "See a clinic within a week, with this letter.",
        "urgent": "Go to a clinic or hospital today, with this letter.",
    },
    "ar": {
        "neutral": "لا شيء هنا يحتاج إلى إجراء. يُنصح بالاحتفاظ بهذه الرسالة.",
        "fine": (
            "لا حاجة إلى أي إجراء الآن. يُنصح بالاحتفاظ بهذه الرسالة لحملة الفحص الصحي القادمة، "
            "وبمراجعة عيادة في أي وقت عند الشعور بتوعك."
        ),
        "watch": (
            "لا حاجة إلى عيادة الآن. يُنصح بإعادة فحص هذه النتائج في حملة الفحص الصحي القادمة "
            "أو في زيارة عادية للعيادة، مع هذه الرسالة."
        ),
        "care": "يُنصح بمواصلة الرعاية الحالية، وعرض هذه الرسالة في الزيارة القادمة للعيادة.",
        "act": "يُنصح بمراجعة عيادة خلال الأسابيع القادمة، مع هذه الرسالة.",
        "soon": "يُنصح بمراجعة عيادة خلال أسبوع، مع هذه الرسالة.",
        "urgent": "من المهم الذهاب إلى عيادة أو مستشفى اليوم، مع هذه الرسالة.",
    },
    "ug": {
        "neutral": "بۇ يەردە قىلىدىغان ئىش يوق. بۇ خەتنى ساقلاپ قويۇڭ.",
        "fine": (
            "ھازىر ھېچ ئىش قىلىشنىڭ ھاجىتى يوق. بۇ خەتنى كېيىنكى سالامەتلىك تەكشۈرۈشكە ساقلاپ قويۇڭ. "
            "ئاغرىپ قالسا، خالىغان ۋاقىتتا دوختۇرخانىغا كۆرۈنۈڭ."
        ),
        "watch": (
            "ھازىر دوختۇرخانىغا بېرىشنىڭ ھاجىتى يوق. بۇ نەتىجىلەرنى كېيىنكى سالامەتلىك تەكشۈرۈشتە "
            "ياكى دائىملىق دوختۇر كۆرۈشتە بۇ خەت بىلەن قايتا تەكشۈرتۈڭ."
        ),
        "care": "ھازىرقى داۋالىنىشنى داۋاملاشتۇرۇڭ، كېيىنكى قېتىم دوختۇرخانىغا بارغاندا بۇ خەتنى كۆرسىتىڭ.",
        "act": "كېيىنكى بىر نەچچە ھەپتە ئىچىدە بۇ خەتنى ئېلىپ دوختۇرخانىغا كۆرۈنۈڭ.",
        "soon": "بىر ھەپتە ئىچىدە بۇ خەتنى ئېلىپ دوختۇرخانىغا كۆرۈنۈڭ.",
        "urgent": "بۈگۈنلا بۇ خەتنى ئېلىپ دوختۇرخانىغا بېرىڭ.",
    },
    "es": {
        "neutral": "No hay nada que hacer por ahora. Guarde esta carta.",
        "fine": (
            "No hace falta hacer nada ahora. Guarde esta carta para la próxima jornada de salud "
            "y acuda a una clínica en cualquier momento si hay malestar."
        ),
        "watch": (
            "No hace falta ir a una clínica ahora. Revise de nuevo estos resultados en la próxima jornada "
            "de salud o en una consulta de rutina, con esta carta."
        ),
        "care": "Siga con el control que ya tiene y muestre esta carta en la próxima consulta.",
        "act": "Acuda a una clínica en las próximas semanas, con esta carta.",
        "soon": "Acuda a una clínica dentro de una semana, con esta carta.",
        "urgent": "Vaya hoy a una clínica o a un hospital, con esta carta.",
    },
}

# The letter's and the portal's own phrases. {placeholders} are filled by the caller and are
# the same in every language; "when_*" are put into "referred" and "referred_no_clinic".
LETTER: dict[str, dict[str, str]] = {
    "en": {
        "visit": "Your visit on {date} at {site}",
        "contact": "Questions? Ask the staff at {site}, or the clinic named below.",
        "contact_site": "Questions? Ask the staff at {site}.",
        "referred": "We referred you to {clinic}. Go {when}, with this letter.",
        "referred_no_clinic": (
            "We referred you to a clinic; the staff will tell you which. Go {when}, with this letter."
        ),
        "when_urgent": "today",
        "when_soon": "within a week",
        "when_routine": "in the next few weeks",
        "entered": "as measured: {value}",
        "readings": "mean of the last {n} of {total} readings",
        "one_reading": "one reading",
        "earlier": "Earlier visits",
        "not_shown": "Not shown here, because you did not agree to it or withdrew:",
        "healthy_range": "Healthy range: {range}",
        "picture": "{name}: your value {value}, {band}. {range}",
        "purpose_screening": "measurements at the stations",
        "purpose_blood_tests": "the finger-prick blood tests",
    },
    "ar": {
        "visit": "زيارتك يوم {date} في {site}",
        "contact": "هل لديك أسئلة؟ يمكن سؤال الفريق في {site}، أو العيادة المذكورة أدناه.",
        "contact_site": "هل لديك أسئلة؟ يمكن سؤال الفريق في {site}.",
        "referred": "أحلناك إلى {clinic}. يُرجى الذهاب {when}، مع هذه الرسالة.",
        "referred_no_clinic": "أحلناك إلى عيادة، وسيخبرك الفريق باسمها. يُرجى الذهاب {when}، مع هذه الرسالة.",
        "when_urgent": "اليوم",
        "when_soon": "خلال أسبوع",
        "when_routine": "خلال الأسابيع القادمة",
        "entered": "القيمة كما قيست: {value}",
        "readings": "متوسط آخر القراءات ({n} من {total})",
        "one_reading": "قراءة واحدة",
        "earlier": "زيارات سابقة",
        "not_shown": "لا يظهر هنا، لعدم الموافقة عليه أو لسحب الموافقة:",
        "healthy_range": "المعدل الصحي: {range}",
        "picture": "{name}: قيمتك {value}، {band}. {range}",
        "purpose_screening": "القياسات في المحطات",
        "purpose_blood_tests": "تحاليل الدم بوخز الإصبع",
    },
    "ug": {
        # Uyghur case endings follow the word they join, so a placeholder never carries one.
        "visit": "زىيارىتىڭىز: {date}، {site}",
        "contact": (
            "سوئالىڭىز بولسا، مۇنۇ يەردىكى خادىملاردىن سوراڭ: {site}. "
            "ياكى تۆۋەندە ئاتى يېزىلغان دوختۇرخانىدىن سوراڭ."
        ),
        "contact_site": "سوئالىڭىز بولسا، بۇ يەردىكى خادىملاردىن سوراڭ: {site}.",
        "referred": "سىزنى مۇنۇ دوختۇرخانىغا يوللىدۇق: {clinic}. {when} بۇ خەتنى ئېلىپ بېرىڭ.",
        "referred_no_clinic": (
            "سىزنى دوختۇرخانىغا يوللىدۇق؛ قايسى دوختۇرخانا ئىكەنلىكىنى خادىملار ئېيتىپ بېرىدۇ. "
            "{when} بۇ خەتنى ئېلىپ بېرىڭ."
        ),
        "when_urgent": "بۈگۈن",
        "when_soon": "بىر ھەپتە ئىچىدە",
        "when_routine": "كېيىنكى بىر نەچچە ھەپتە ئىچىدە",
        "entered": "ئۆلچەنگەن قىممەت: {value}",
        "readings": "{total} قېتىملىق ئۆلچەشنىڭ ئاخىرقى {n} قېتىمىنىڭ ئوتتۇرىچە قىممىتى",
        "one_reading": "بىر قېتىم ئۆلچەندى",
        "earlier": "ئىلگىرىكى زىيارەتلەر",
        "not_shown": "بۇ يەردە كۆرسىتىلمىدى، چۈنكى سىز قوشۇلمىغان ياكى قوشۇلۇشىڭىزنى قايتۇرۇۋالغان:",
        "healthy_range": "ساغلام دائىرە: {range}",
        "picture": "{name}: قىممىتىڭىز {value}، {band}. {range}",
        "purpose_screening": "تەكشۈرۈش ئورۇنلىرىدىكى ئۆلچەشلەر",
        "purpose_blood_tests": "بارماقتىن قان ئېلىپ قىلىنىدىغان تەكشۈرۈشلەر",
    },
    "es": {
        "visit": "Su visita del {date} en {site}",
        "contact": "¿Tiene preguntas? Pregunte al personal de {site} o a la clínica indicada abajo.",
        "contact_site": "¿Tiene preguntas? Pregunte al personal de {site}.",
        "referred": "Le derivamos a {clinic}. Vaya {when}, con esta carta.",
        "referred_no_clinic": "Le derivamos a una clínica; el personal le dirá a cuál. Vaya {when}, con esta carta.",
        "when_urgent": "hoy",
        "when_soon": "dentro de una semana",
        "when_routine": "en las próximas semanas",
        "entered": "tal como se midió: {value}",
        "readings": "media de las últimas {n} de {total} mediciones",
        "one_reading": "una sola medición",
        "earlier": "Visitas anteriores",
        "not_shown": "No se muestra aquí, porque usted no lo aceptó o lo retiró:",
        "healthy_range": "Rango saludable: {range}",
        "picture": "{name}: su valor {value}, {band}. {range}",
        "purpose_screening": "las mediciones en los puestos",
        "purpose_blood_tests": "los análisis de sangre con un pinchazo en el dedo",
    },
}

PORTAL: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your health record",
        "sign_in": "Sign in",
        "sign_in_intro": "Use the code on your card and your date of birth. If you set a PIN, enter it too.",
        "card_code": "Card code",
        "card_hint": "11 letters and digits, as printed on your card",
        "date_of_birth": "Date of birth",
        "pin": "PIN (only if you set one)",
        "no_match": "The card code, date of birth or PIN do not match. Check them and try again.",
        "tries_left": "Tries left before a 15-minute wait:",
        "locked": "Too many wrong tries. You can try again after",
        "ask_desk": "Or ask at the desk of the health camp.",
        "guessing": "A card code has about a million billion possible values, and wrong tries are limited: nobody can guess their way in.",
        "sign_out": "Sign out",
        "shared_phone": "On a shared phone, sign out when you are done.",
        "hello": "Hello,",
        "results": "Your results",
        "results_none": "No results recorded yet.",
        "latest": "Latest",
        "over_time": "Over time",
        "visits": "Visits",
        "consent": "What you agreed to",
        "agreed": "Yes",
        "refused": "No",
        "withdrawn": "Withdrawn",
        "withdraw": "Withdraw",
        "withdraw_intro": "Choose what to stop. It stops at once. You can keep or delete what was already collected.",
        "keep": "Keep what was collected",
        "erase": "Delete what was collected",
        "withdraw_done": "Done. From now on this is not used:",
        "nothing_to_withdraw": "You have not agreed to anything that could be withdrawn.",
        "referrals": "Your referrals",
        "referrals_none": "No referrals.",
        "urgent": "urgent",
        "routine": "routine",
        "status_open": "open",
        "status_attended": "attended",
        "status_closed": "closed",
        "log": "Who opened your record",
        "log_intro": "Every look at your record and every change, by role and place. Nothing can be removed from this list.",
        "when": "When",
        "who": "Who",
        "what": "What",
        "why": "Why",
        "result": "Outcome",
        "allowed": "allowed",
        "denied": "refused",
        "not_found": "not found",
        "download": "Download your record",
        "download_intro": "A file (FHIR R4) any clinic's system can read. It holds your results, visits, referrals and consent.",
        "pin_title": "PIN",
        "pin_intro": "Add a PIN of 4 to 8 digits so that your card and birth date alone do not open this page.",
        "pin_set": "Save PIN",
        "pin_remove": "Remove PIN",
        "pin_saved": "Your PIN is saved.",
        "pin_removed": "Your PIN is removed.",
        "pin_on": "A PIN protects this page.",
        "signed_out": "You are signed out.",
        "expired": "You were signed out after 15 minutes without activity. Sign in again.",
        "erased": "Your record was deleted, as you asked.",
        "skip": "Skip to your results",
        "pin_bad": "A PIN is 4 to 8 digits (0-9).",
        "older": "Older entries",
        "card_bad": "That card code cannot be right: check each letter and digit against your card.",
        "current_pin": "Your current PIN",
        "pin_wrong": "That is not your current PIN. Nothing was changed.",
        "confirm_born": "To delete everything, type your date of birth again",
        "keep_or_delete": "What happens to what was already collected",
        "confirm_born_wrong": 'Nothing was deleted: to delete your whole record, choose "Everything" and "Delete" and type your date of birth again.',
        "withdraw_none": "Choose at least one purpose to withdraw.",
        "everything": 'Everything (with "delete", your whole record is deleted)',
        "pin_current_needed": "Enter your current PIN to change or remove it.",
        "pin_locked_out": "Too many wrong PINs, so you were signed out. Sign in again after 15 minutes, or ask at the desk of the health camp.",
        "pin_forgot": "Forgot your PIN? Bring your card to the registration desk: they can remove it.",
        "proof": "Proof",
        "proof_intro": 'Each entry can be checked. "Check" tests on this phone that the entry is in the log the programme published and signed. "Download proof" saves the entry with its proof: anyone can check it with the programme\'s verifier (tools/verify_audit_log.py), comparing the key in the file with the key the programme publishes.',
        "proof_download": "Download proof",
        "proof_check": "Check",
        "proof_checking": "Checking…",
        "proof_ok": "This entry is in the log as published: its proof checks out.",
        "proof_bad": "This proof does not check out: the log may have been changed. Keep the file and tell the programme.",
        "proof_failed": "The proof could not be loaded. Try again; if you were signed out, sign in again.",
        "proof_unavailable": "This browser cannot check the proof here. Download the file and check it with the programme's verifier (tools/verify_audit_log.py).",
        "proof_unsigned": "The signature was not checked in this browser: check the file with tools/verify_audit_log.py.",
    },
    "ar": {
        "title": "سجلك الصحي",
        "sign_in": "تسجيل الدخول",
        "sign_in_intro": "استخدم الرمز المكتوب على بطاقتك وتاريخ ميلادك. إذا وضعت رقمًا سريًا فأدخله أيضًا.",
        "card_code": "رمز البطاقة",
        "card_hint": "11 حرفًا ورقمًا، كما هي مطبوعة على بطاقتك",
        "date_of_birth": "تاريخ الميلاد",
        "pin": "الرقم السري (فقط إن كنت وضعته)",
        "no_match": "رمز البطاقة أو تاريخ الميلاد أو الرقم السري غير متطابق. تحقق منها وحاول مرة أخرى.",
        "tries_left": "المحاولات المتبقية قبل انتظار 15 دقيقة:",
        "locked": "محاولات خاطئة كثيرة. يمكنك المحاولة مجددًا بعد",
        "ask_desk": "أو اسأل في مكتب الاستقبال في الفحص الصحي.",
        "guessing": "لرمز البطاقة نحو مليون مليار قيمة ممكنة، والمحاولات الخاطئة محدودة: لا يمكن لأحد أن يدخل بالتخمين.",
        "sign_out": "تسجيل الخروج",
        "shared_phone": "على هاتف مشترك، سجّل الخروج عند الانتهاء.",
        "hello": "مرحبًا،",
        "results": "نتائجك",
        "results_none": "لا توجد نتائج مسجلة بعد.",
        "latest": "الأحدث",
        "over_time": "عبر الزمن",
        "visits": "الزيارات",
        "consent": "ما وافقت عليه",
        "agreed": "نعم",
        "refused": "لا",
        "withdrawn": "مسحوبة",
        "withdraw": "سحب الموافقة",
        "withdraw_intro": "اختر ما تريد إيقافه. يتوقف فورًا. يمكنك الاحتفاظ بما جُمع أو حذفه.",
        "keep": "احتفظ بما جُمع",
        "erase": "احذف ما جُمع",
        "withdraw_done": "تم. من الآن لا يُستخدم:",
        "nothing_to_withdraw": "لم توافق على شيء يمكن سحبه.",
        "referrals": "إحالاتك",
        "referrals_none": "لا توجد إحالات.",
        "urgent": "عاجلة",
        "routine": "عادية",
        "status_open": "مفتوحة",
        "status_attended": "تمت زيارتها",
        "status_closed": "مغلقة",
        "log": "من فتح سجلك",
        "log_intro": "كل اطلاع على سجلك وكل تغيير، حسب الدور والمكان. لا يمكن حذف شيء من هذه القائمة.",
        "when": "متى",
        "who": "من",
        "what": "ماذا",
        "why": "لماذا",
        "result": "النتيجة",
        "allowed": "مسموح",
        "denied": "مرفوض",
        "not_found": "غير موجود",
        "download": "نزّل سجلك",
        "download_intro": "ملف (FHIR R4) يستطيع نظام أي عيادة قراءته. فيه نتائجك وزياراتك وإحالاتك وموافقتك.",
        "pin_title": "الرقم السري",
        "pin_intro": "أضف رقمًا سريًا من 4 إلى 8 أرقام كي لا تفتح بطاقتك وتاريخ ميلادك وحدهما هذه الصفحة.",
        "pin_set": "احفظ الرقم السري",
        "pin_remove": "احذف الرقم السري",
        "pin_saved": "تم حفظ رقمك السري.",
        "pin_removed": "تم حذف رقمك السري.",
        "pin_on": "رقم سري يحمي هذه الصفحة.",
        "signed_out": "تم تسجيل خروجك.",
        "expired": "تم تسجيل خروجك بعد 15 دقيقة دون نشاط. سجّل الدخول مجددًا.",
        "erased": "حُذف سجلك كما طلبت.",
        "skip": "انتقل إلى نتائجك",
        "pin_bad": "الرقم السري من 4 إلى 8 أرقام (0-9).",
        "older": "إدخالات أقدم",
        "card_bad": "رمز البطاقة هذا لا يمكن أن يكون صحيحًا: قارن كل حرف ورقم ببطاقتك.",
        "current_pin": "رقمك السري الحالي",
        "pin_wrong": "هذا ليس رقمك السري الحالي. لم يتغير شيء.",
        "confirm_born": "لحذف كل شيء، اكتب تاريخ ميلادك مرة أخرى",
        "keep_or_delete": "ماذا يحدث لما جُمع من قبل",
        "confirm_born_wrong": 'لم يُحذف شيء: لحذف سجلك كله اختر "كل شيء" و"احذف" واكتب تاريخ ميلادك مرة أخرى.',
        "withdraw_none": "اختر غرضًا واحدًا على الأقل لسحب الموافقة عليه.",
        "everything": 'كل شيء (مع "احذف" يُحذف سجلك كله)',
        "pin_current_needed": "أدخل رقمك السري الحالي لتغييره أو حذفه.",
        "pin_locked_out": "محاولات خاطئة كثيرة للرقم السري، فسُجّل خروجك. سجّل الدخول مجددًا بعد 15 دقيقة، أو اسأل في مكتب الاستقبال في الفحص الصحي.",
        "pin_forgot": "نسيت رقمك السري؟ أحضر بطاقتك إلى مكتب التسجيل، ويمكنهم حذفه.",
        "proof": "الإثبات",
        "proof_intro": "يمكن التحقق من كل قيد. زر «تحقّق» يختبر على هذا الهاتف أن القيد موجود في السجل الذي نشره البرنامج ووقّعه. «نزّل الإثبات» يحفظ القيد مع إثباته: يستطيع أي شخص التحقق منه بأداة التحقق الخاصة بالبرنامج (tools/verify_audit_log.py)، مع مقارنة المفتاح الموجود في الملف بالمفتاح الذي ينشره البرنامج.",
        "proof_download": "نزّل الإثبات",
        "proof_check": "تحقّق",
        "proof_checking": "جارٍ التحقق…",
        "proof_ok": "هذا القيد موجود في السجل كما نُشر: إثباته صحيح.",
        "proof_bad": "هذا الإثبات غير صحيح: ربما غُيّر السجل. احتفظ بالملف وأخبر البرنامج.",
        "proof_failed": "تعذّر تحميل الإثبات. حاول مرة أخرى؛ وإن خرجت من حسابك فسجّل الدخول مجددًا.",
        "proof_unavailable": "لا يستطيع هذا المتصفح التحقق من الإثبات هنا. نزّل الملف وتحقق منه بأداة التحقق الخاصة بالبرنامج (tools/verify_audit_log.py).",
        "proof_unsigned": "لم يُتحقَّق من التوقيع في هذا المتصفح: تحقق من الملف بالأداة tools/verify_audit_log.py.",
    },
    "ug": {
        "title": "سالامەتلىك خاتىرىڭىز",
        "sign_in": "كىرىش",
        "sign_in_intro": "كارتىڭىزدىكى نومۇر ۋە تۇغۇلغان كۈنىڭىزنى ئىشلىتىڭ. PIN بەلگىلىگەن بولسىڭىز، ئۇنىمۇ كىرگۈزۈڭ.",
        "card_code": "كارتا نومۇرى",
        "card_hint": "كارتىڭىزدا بېسىلغاندەك 11 ھەرپ ۋە رەقەم",
        "date_of_birth": "تۇغۇلغان كۈن",
        "pin": "PIN (بەلگىلىگەن بولسىڭىزلا)",
        "no_match": "كارتا نومۇرى، تۇغۇلغان كۈن ياكى PIN ماس كەلمىدى. تەكشۈرۈپ قايتا سىناڭ.",
        "tries_left": "15 مىنۇت ساقلاشتىن بۇرۇن قالغان سىناق:",
        "locked": "خاتا سىناق بەك كۆپ. قايتا سىنايدىغان ۋاقىت:",
        "ask_desk": "ياكى سالامەتلىك تەكشۈرۈشنىڭ قوبۇل قىلىش ئۈستىلىدىن سوراڭ.",
        "guessing": "كارتا نومۇرىنىڭ تەخمىنەن مىڭ تىرىليون خىل قىممىتى بار، خاتا سىناق چەكلىك: ھېچكىم پەرەز بىلەن كىرەلمەيدۇ.",
        "sign_out": "چىقىش",
        "shared_phone": "ئورتاق تېلېفوندا، ئىشىڭىز تۈگىگەندە چىقىڭ.",
        "hello": "ياخشىمۇسىز،",
        "results": "نەتىجىڭىز",
        "results_none": "تېخى نەتىجە خاتىرىلەنمىدى.",
        "latest": "ئەڭ يېڭى",
        "over_time": "ۋاقىت بويىچە",
        "visits": "زىيارەتلەر",
        "consent": "قوشۇلغانلىرىڭىز",
        "agreed": "ھەئە",
        "refused": "ياق",
        "withdrawn": "قايتۇرۇۋېلىندى",
        "withdraw": "قايتۇرۇۋېلىش",
        "withdraw_intro": "توختىتىدىغاننى تاللاڭ. دەرھال توختايدۇ. توپلانغاننى ساقلىسىڭىز ياكى ئۆچۈرسىڭىز بولىدۇ.",
        "keep": "توپلانغاننى ساقلاش",
        "erase": "توپلانغاننى ئۆچۈرۈش",
        "withdraw_done": "بولدى. بۇنىڭدىن كېيىن ئىشلىتىلمەيدۇ:",
        "nothing_to_withdraw": "قايتۇرۇۋالغىلى بولىدىغان ھېچنەرسىگە قوشۇلمىدىڭىز.",
        "referrals": "يوللانمىلىرىڭىز",
        "referrals_none": "يوللانما يوق.",
        "urgent": "جىددىي",
        "routine": "ئادەتتىكى",
        "status_open": "ئوچۇق",
        "status_attended": "بېرىلدى",
        "status_closed": "تاقالدى",
        "log": "خاتىرىڭىزنى كىم ئاچتى",
        "log_intro": "خاتىرىڭىزگە قاراش ۋە ئۆزگەرتىشنىڭ ھەممىسى، رول ۋە ئورۇن بويىچە. بۇ تىزىملىكتىن ھېچنەرسە ئۆچۈرۈلمەيدۇ.",
        "when": "قاچان",
        "who": "كىم",
        "what": "نېمە",
        "why": "نېمە ئۈچۈن",
        "result": "نەتىجە",
        "allowed": "رۇخسەت",
        "denied": "رەت قىلىندى",
        "not_found": "تېپىلمىدى",
        "download": "خاتىرىڭىزنى چۈشۈرۈش",
        "download_intro": "ھەر قانداق دوختۇرخانا سىستېمىسى ئوقۇيالايدىغان ھۆججەت (FHIR R4). ئۇنىڭدا نەتىجە، زىيارەت، يوللانما ۋە قوشۇلۇشىڭىز بار.",
        "pin_title": "PIN",
        "pin_intro": "4 دىن 8 گىچە رەقەملىك PIN قوشۇڭ، شۇندا كارتا ۋە تۇغۇلغان كۈنلا بۇ بەتنى ئاچالمايدۇ.",
        "pin_set": "PIN نى ساقلاش",
        "pin_remove": "PIN نى ئۆچۈرۈش",
        "pin_saved": "PIN ىڭىز ساقلاندى.",
        "pin_removed": "PIN ىڭىز ئۆچۈرۈلدى.",
        "pin_on": "بۇ بەتنى PIN قوغدايدۇ.",
        "signed_out": "چىقتىڭىز.",
        "expired": "15 مىنۇت ھەرىكەتسىز بولغاچقا چىقىرىۋېتىلدىڭىز. قايتا كىرىڭ.",
        "erased": "تەلىپىڭىز بويىچە خاتىرىڭىز ئۆچۈرۈلدى.",
        "skip": "نەتىجىڭىزگە ئۆتۈش",
        "pin_bad": "PIN 4 دىن 8 گىچە رەقەم (0-9).",
        "older": "كونا خاتىرىلەر",
        "card_bad": "بۇ كارتا نومۇرى توغرا بولۇشى مۇمكىن ئەمەس: ھەر بىر ھەرپ ۋە رەقەمنى كارتىڭىز بىلەن سېلىشتۇرۇڭ.",
        "current_pin": "ھازىرقى PIN ىڭىز",
        "pin_wrong": "بۇ ھازىرقى PIN ىڭىز ئەمەس. ھېچنەرسە ئۆزگەرمىدى.",
        "confirm_born": "ھەممىنى ئۆچۈرۈش ئۈچۈن تۇغۇلغان كۈنىڭىزنى قايتا يېزىڭ",
        "keep_or_delete": "ئىلگىرى توپلانغانلار قانداق بولىدۇ",
        "confirm_born_wrong": 'ھېچنەرسە ئۆچۈرۈلمىدى: پۈتۈن خاتىرىڭىزنى ئۆچۈرۈش ئۈچۈن "ھەممىسى" ۋە "ئۆچۈرۈش" نى تاللاپ، تۇغۇلغان كۈنىڭىزنى قايتا يېزىڭ.',
        "withdraw_none": "قايتۇرۇۋالىدىغان كەم دېگەندە بىر مەقسەتنى تاللاڭ.",
        "everything": 'ھەممىسى ("ئۆچۈرۈش" بىلەن پۈتۈن خاتىرىڭىز ئۆچۈرۈلىدۇ)',
        "pin_current_needed": "PIN نى ئۆزگەرتىش ياكى ئۆچۈرۈش ئۈچۈن ھازىرقى PIN ىڭىزنى كىرگۈزۈڭ.",
        "pin_locked_out": "خاتا PIN بەك كۆپ بولغاچقا، سىز چېكىنىپ چىقىرىلدىڭىز. 15 مىنۇتتىن كېيىن قايتا كىرىڭ، ياكى سالامەتلىك تەكشۈرۈشنىڭ قوبۇل قىلىش ئۈستىلىدىن سوراڭ.",
        "pin_forgot": "PIN ىڭىزنى ئۇنتۇپ قالدىڭىزمۇ؟ كارتىڭىزنى تىزىملاش ئۈستىلىگە ئېلىپ بېرىڭ، ئۇلار ئۇنى ئۆچۈرەلەيدۇ.",
        "proof": "ئىسپات",
        "proof_intro": "ھەر بىر يازمىنى تەكشۈرگىلى بولىدۇ. «تەكشۈرۈش» بۇ تېلېفوندا يازمىنىڭ پروگرامما ئېلان قىلغان ۋە ئىمزالىغان خاتىرىدە بارلىقىنى سىنايدۇ. «ئىسپاتنى چۈشۈرۈش» يازمىنى ئىسپاتى بىلەن ساقلايدۇ: ھەر كىم ئۇنى پروگراممىنىڭ تەكشۈرگۈچىسى (tools/verify_audit_log.py) بىلەن تەكشۈرەلەيدۇ، ھۆججەتتىكى ئاچقۇچنى پروگرامما ئېلان قىلغان ئاچقۇچ بىلەن سېلىشتۇرۇپ.",
        "proof_download": "ئىسپاتنى چۈشۈرۈش",
        "proof_check": "تەكشۈرۈش",
        "proof_checking": "تەكشۈرۈۋاتىدۇ…",
        "proof_ok": "بۇ يازما خاتىرىدە ئېلان قىلىنغاندەك بار: ئۇنىڭ ئىسپاتى توغرا.",
        "proof_bad": "بۇ ئىسپات توغرا چىقمىدى: خاتىرە ئۆزگەرتىلگەن بولۇشى مۇمكىن. ھۆججەتنى ساقلاپ قويۇپ، پروگراممىغا خەۋەر قىلىڭ.",
        "proof_failed": "ئىسپاتنى يۈكلىگىلى بولمىدى. قايتا سىناڭ؛ چېكىنىپ چىققان بولسىڭىز، قايتا كىرىڭ.",
        "proof_unavailable": "بۇ توركۆرگۈ بۇ يەردە ئىسپاتنى تەكشۈرەلمەيدۇ. ھۆججەتنى چۈشۈرۈپ، پروگراممىنىڭ تەكشۈرگۈچىسى (tools/verify_audit_log.py) بىلەن تەكشۈرۈڭ.",
        "proof_unsigned": "ئىمزا بۇ توركۆرگۈدە تەكشۈرۈلمىدى: ھۆججەتنى tools/verify_audit_log.py بىلەن تەكشۈرۈڭ.",
    },
    "es": {
        "title": "Su expediente de salud",
        "sign_in": "Entrar",
        "sign_in_intro": "Use el código de su tarjeta y su fecha de nacimiento. Si puso un PIN, escríbalo también.",
        "card_code": "Código de la tarjeta",
        "card_hint": "11 letras y cifras, como en su tarjeta",
        "date_of_birth": "Fecha de nacimiento",
        "pin": "PIN (solo si puso uno)",
        "no_match": "El código, la fecha de nacimiento o el PIN no coinciden. Revíselos y vuelva a intentarlo.",
        "tries_left": "Intentos antes de una espera de 15 minutos:",
        "locked": "Demasiados intentos fallidos. Puede volver a intentarlo después de las",
        "ask_desk": "O pregunte en la mesa de la jornada de salud.",
        "guessing": "Un código de tarjeta tiene unos mil billones de valores posibles y los intentos fallidos están limitados: nadie puede entrar adivinando.",
        "sign_out": "Salir",
        "shared_phone": "En un teléfono compartido, salga al terminar.",
        "hello": "Hola,",
        "results": "Sus resultados",
        "results_none": "Todavía no hay resultados.",
        "latest": "Último",
        "over_time": "A lo largo del tiempo",
        "visits": "Visitas",
        "consent": "Lo que usted aceptó",
        "agreed": "Sí",
        "refused": "No",
        "withdrawn": "Retirado",
        "withdraw": "Retirar",
        "withdraw_intro": "Elija qué detener. Se detiene al momento. Puede conservar o borrar lo ya recogido.",
        "keep": "Conservar lo recogido",
        "erase": "Borrar lo recogido",
        "withdraw_done": "Hecho. Desde ahora no se usa:",
        "nothing_to_withdraw": "No ha aceptado nada que se pueda retirar.",
        "referrals": "Sus derivaciones",
        "referrals_none": "Sin derivaciones.",
        "urgent": "urgente",
        "routine": "normal",
        "status_open": "abierta",
        "status_attended": "atendida",
        "status_closed": "cerrada",
        "log": "Quién abrió su expediente",
        "log_intro": "Cada consulta y cada cambio de su expediente, por función y lugar. Nada se puede borrar de esta lista.",
        "when": "Cuándo",
        "who": "Quién",
        "what": "Qué",
        "why": "Para qué",
        "result": "Resultado",
        "allowed": "permitido",
        "denied": "rechazado",
        "not_found": "no encontrado",
        "download": "Descargar su expediente",
        "download_intro": "Un archivo (FHIR R4) que el sistema de cualquier clínica puede leer. Contiene sus resultados, visitas, derivaciones y consentimiento.",
        "pin_title": "PIN",
        "pin_intro": "Añada un PIN de 4 a 8 cifras para que la tarjeta y la fecha de nacimiento solas no abran esta página.",
        "pin_set": "Guardar PIN",
        "pin_remove": "Quitar PIN",
        "pin_saved": "Su PIN está guardado.",
        "pin_removed": "Su PIN se quitó.",
        "pin_on": "Un PIN protege esta página.",
        "signed_out": "Ha salido.",
        "expired": "Salió tras 15 minutos sin actividad. Vuelva a entrar.",
        "erased": "Su expediente se borró, como pidió.",
        "skip": "Ir a sus resultados",
        "pin_bad": "Un PIN tiene de 4 a 8 cifras (0-9).",
        "older": "Entradas anteriores",
        "card_bad": "Ese código no puede ser correcto: compare cada letra y cifra con su tarjeta.",
        "current_pin": "Su PIN actual",
        "pin_wrong": "Ese no es su PIN actual. No se cambió nada.",
        "confirm_born": "Para borrarlo todo, escriba otra vez su fecha de nacimiento",
        "keep_or_delete": "Qué pasa con lo que ya se recogió",
        "confirm_born_wrong": 'No se borró nada: para borrar todo su expediente, elija "Todo" y "Borrar" y escriba otra vez su fecha de nacimiento.',
        "withdraw_none": "Elija al menos un fin que retirar.",
        "everything": 'Todo (con "borrar", se borra todo su expediente)',
        "pin_current_needed": "Escriba su PIN actual para cambiarlo o quitarlo.",
        "pin_locked_out": "Demasiados PIN incorrectos: se cerró su sesión. Vuelva a entrar dentro de 15 minutos o pregunte en la mesa de la jornada de salud.",
        "pin_forgot": "¿Olvidó su PIN? Lleve su tarjeta a la mesa de registro: allí pueden quitarlo.",
        "proof": "Prueba",
        "proof_intro": "Cada entrada se puede comprobar. «Comprobar» verifica en este teléfono que la entrada está en el registro que el programa publicó y firmó. «Descargar la prueba» guarda la entrada con su prueba: cualquiera puede comprobarla con el verificador del programa (tools/verify_audit_log.py), comparando la clave del archivo con la que publica el programa.",
        "proof_download": "Descargar la prueba",
        "proof_check": "Comprobar",
        "proof_checking": "Comprobando…",
        "proof_ok": "Esta entrada está en el registro tal como se publicó: su prueba es correcta.",
        "proof_bad": "Esta prueba no es correcta: puede que el registro se haya cambiado. Guarde el archivo y avise al programa.",
        "proof_failed": "No se pudo cargar la prueba. Inténtelo de nuevo; si se cerró su sesión, vuelva a entrar.",
        "proof_unavailable": "Este navegador no puede comprobar la prueba aquí. Descargue el archivo y compruébelo con el verificador del programa (tools/verify_audit_log.py).",
        "proof_unsigned": "La firma no se comprobó en este navegador: compruebe el archivo con tools/verify_audit_log.py.",
    },
}

# The access log in plain words: roles and acts as a participant would say them.
ROLES: dict[str, dict[str, str]] = {
    "en": {
        "coordinator": "coordinator",
        "registrar": "registration desk",
        "clinician": "health worker",
        "lab": "laboratory",
        "participant": "you",
        "visitor": "someone with your card code",
    },
    "ar": {
        "coordinator": "المنسق",
        "registrar": "مكتب التسجيل",
        "clinician": "العامل الصحي",
        "lab": "المختبر",
        "participant": "أنت",
        "visitor": "شخص يحمل رمز بطاقتك",
    },
    "ug": {
        "coordinator": "ماسلاشتۇرغۇچى",
        "registrar": "تىزىملاش ئۈستىلى",
        "clinician": "سەھىيە خادىمى",
        "lab": "تەجرىبىخانا",
        "participant": "سىز",
        "visitor": "كارتا نومۇرىڭىزنى بىلگەن بىرى",
    },
    "es": {
        "coordinator": "coordinación",
        "registrar": "mesa de registro",
        "clinician": "personal sanitario",
        "lab": "laboratorio",
        "participant": "usted",
        "visitor": "alguien con el código de su tarjeta",
    },
}

ACTS: dict[str, dict[str, str]] = {
    "en": {
        "participant.register": "registered you",
        "participant.read": "opened your record",
        "participant.search": "looked you up",
        "consent.record": "recorded your consent",
        "consent.read": "looked at your consent",
        "consent.withdraw": "withdrew consent",
        "participant.erase": "deleted your record",
        "encounter.start": "started a visit",
        "observation.record": "recorded a result",
        "observation.read": "looked at your results",
        "referral.create": "referred you to a clinic",
        "referral.manage": "followed up a referral",
        "referral.share": "shared results with a clinic",
        "participant.export_own_record": "gave you a copy of your record",
        "results.return": "gave you your results",
        "results.letter": "printed your results letter",
        "results.follow_up": "checked whose results are still owed",
        "portal.sign_in": "signed in to this page",
        "portal.pin_set": "changed the PIN",
        "portal.pin_reset": "removed your PIN and lifted the sign-in lock (you showed your card)",
    },
    "ar": {
        "participant.register": "سجّلك",
        "participant.read": "فتح سجلك",
        "participant.search": "بحث عنك",
        "consent.record": "سجّل موافقتك",
        "consent.read": "اطّلع على موافقتك",
        "consent.withdraw": "سحب الموافقة",
        "participant.erase": "حذف سجلك",
        "encounter.start": "بدأ زيارة",
        "observation.record": "سجّل نتيجة",
        "observation.read": "اطّلع على نتائجك",
        "referral.create": "أحالك إلى عيادة",
        "referral.manage": "تابع إحالة",
        "referral.share": "شارك نتائج مع عيادة",
        "participant.export_own_record": "أعطاك نسخة من سجلك",
        "results.return": "سلّمك نتائجك",
        "results.letter": "طبع رسالة نتائجك",
        "results.follow_up": "تحقق ممن لم تصلهم نتائجهم بعد",
        "portal.sign_in": "سجّل الدخول إلى هذه الصفحة",
        "portal.pin_set": "غيّر الرقم السري",
        "portal.pin_reset": "حذف رقمك السري ورفع قفل الدخول (بعد أن أظهرت بطاقتك)",
    },
    "ug": {
        "participant.register": "سىزنى تىزىملىدى",
        "participant.read": "خاتىرىڭىزنى ئاچتى",
        "participant.search": "سىزنى ئىزدىدى",
        "consent.record": "قوشۇلۇشىڭىزنى خاتىرىلىدى",
        "consent.read": "قوشۇلۇشىڭىزغا قارىدى",
        "consent.withdraw": "قوشۇلۇشنى قايتۇرۇۋالدى",
        "participant.erase": "خاتىرىڭىزنى ئۆچۈردى",
        "encounter.start": "زىيارەت باشلىدى",
        "observation.record": "نەتىجە خاتىرىلىدى",
        "observation.read": "نەتىجىڭىزگە قارىدى",
        "referral.create": "سىزنى دوختۇرخانىغا يوللىدى",
        "referral.manage": "يوللانمىنى ئىز قوغلىدى",
        "referral.share": "نەتىجىنى دوختۇرخانا بىلەن ئورتاقلاشتى",
        "participant.export_own_record": "خاتىرىڭىزنىڭ نۇسخىسىنى بەردى",
        "results.return": "نەتىجىڭىزنى بەردى",
        "results.letter": "نەتىجە خېتىڭىزنى باستى",
        "results.follow_up": "نەتىجىسى تېخى بېرىلمىگەنلەرنى تەكشۈردى",
        "portal.sign_in": "بۇ بەتكە كىردى",
        "portal.pin_set": "PIN نى ئۆزگەرتتى",
        "portal.pin_reset": "PIN ىڭىزنى ئۆچۈرۈپ، كىرىش قۇلۇپىنى ئاچتى (كارتىڭىزنى كۆرسەتتىڭىز)",
    },
    "es": {
        "participant.register": "le registró",
        "participant.read": "abrió su expediente",
        "participant.search": "le buscó",
        "consent.record": "registró su consentimiento",
        "consent.read": "consultó su consentimiento",
        "consent.withdraw": "retiró un consentimiento",
        "participant.erase": "borró su expediente",
        "encounter.start": "inició una visita",
        "observation.record": "registró un resultado",
        "observation.read": "consultó sus resultados",
        "referral.create": "le derivó a una clínica",
        "referral.manage": "siguió una derivación",
        "referral.share": "compartió resultados con una clínica",
        "participant.export_own_record": "le dio una copia de su expediente",
        "results.return": "le entregó sus resultados",
        "results.letter": "imprimió su carta de resultados",
        "results.follow_up": "revisó a quién le faltan sus resultados",
        "portal.sign_in": "entró en esta página",
        "portal.pin_set": "cambió el PIN",
        "portal.pin_reset": "quitó su PIN y el bloqueo de acceso (usted mostró su tarjeta)",
    },
}


def pick(table: dict[str, dict[str, str]], language: str) -> dict[str, str]:
    """The table for a language ("ar-EG" reads "ar"), English when it is not here."""
    return table.get(language.partition("-")[0].lower(), table["en"])


# Why, in the person's words: the purpose each access served.
PURPOSES: dict[str, dict[str, str]] = {
    "en": {
        "registration": "identifying you",
        "screening": "measurements",
        "blood_tests": "blood tests",
        "results_contact": "your results",
        "referral_sharing": "a referral",
        "programme_statistics": "statistics",
        "deidentified_research": "research",
        "programme_setup": "set-up",
        "own_record": "you, yourself",
        "audit": "checking the log",
    },
    "ar": {
        "registration": "التعرّف عليك",
        "screening": "القياسات",
        "blood_tests": "تحاليل الدم",
        "results_contact": "نتائجك",
        "referral_sharing": "إحالة",
        "programme_statistics": "الإحصاءات",
        "deidentified_research": "البحث",
        "programme_setup": "الإعداد",
        "own_record": "أنت بنفسك",
        "audit": "تدقيق السجل",
    },
    "ug": {
        "registration": "سىزنى تونۇش",
        "screening": "ئۆلچەش",
        "blood_tests": "قان تەكشۈرۈش",
        "results_contact": "نەتىجىڭىز",
        "referral_sharing": "يوللانما",
        "programme_statistics": "ستاتىستىكا",
        "deidentified_research": "تەتقىقات",
        "programme_setup": "تەييارلىق",
        "own_record": "سىز ئۆزىڭىز",
        "audit": "خاتىرىنى تەكشۈرۈش",
    },
    "es": {
        "registration": "identificarle",
        "screening": "mediciones",
        "blood_tests": "análisis de sangre",
        "results_contact": "sus resultados",
        "referral_sharing": "una derivación",
        "programme_statistics": "estadísticas",
        "deidentified_research": "investigación",
        "programme_setup": "preparación",
        "own_record": "usted mismo",
        "audit": "revisar el registro",
    },
}
