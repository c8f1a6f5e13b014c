"""The demo programme's consent document, version 1, in four languages."""

from __future__ import annotations

from healthcamp.purposes import CONSENT_PURPOSES

# The purposes in the order each document's descriptions below follow.
ORDER = tuple(p.value for p in CONSENT_PURPOSES)

DOCUMENTS: dict[str, dict[str, object]] = {
    "en": {
        "title": "Free health check: what we do and why",
        "body": (
            "We measure your blood pressure, height, weight and more, and give you your "
            "results in writing, in your language. We never take fingerprints, face "
            "photos or DNA, and we never ask about your religion, origin or political "
            "views. You can say yes or no to each purpose on its own, and withdraw at "
            "any time."
        ),
        "purposes": (
            (
                "Measurements at the stations: blood pressure and pulse, height, weight, waist, "
                "eyesight; and we ask whether you are pregnant and whether you are already "
                "treated for high blood pressure or diabetes."
            ),
            (
                "A drop of blood from a finger: sugar (glucose, HbA1c), cholesterol, blood type; "
                "and we ask when you last ate."
            ),
            "Your phone number, to tell you about results that need care.",
            "Sending the results that matter to the clinic we refer you to.",
            "Counting you in the programme's totals, never by name.",
            "Keeping your measurements without your name, for health research.",
        ),
    },
    "ar": {
        "title": "فحص صحي مجاني: ما نفعله ولماذا",
        "body": (
            "نقيس ضغط الدم والطول والوزن وغيرها، ونعطيك نتائجك مكتوبة بلغتك. لا نأخذ "
            "بصمات الأصابع ولا صور الوجه ولا الحمض النووي، ولا نسأل عن دينك أو أصلك أو "
            "آرائك السياسية. يمكنك أن تقول نعم أو لا لكل غرض على حدة، وأن تسحب موافقتك "
            "في أي وقت."
        ),
        "purposes": (
            (
                "القياسات في المحطات: ضغط الدم والنبض، الطول، الوزن، محيط الخصر، النظر؛ "
                "ونسأل إن كان هناك حمل، وإن كان هناك علاج سابق لارتفاع ضغط الدم أو السكري."
            ),
            "قطرة دم من الإصبع: السكر، الكوليسترول، فصيلة الدم؛ ونسأل عن موعد آخر وجبة.",
            "رقم هاتفك، لنخبرك بالنتائج التي تحتاج إلى رعاية.",
            "إرسال النتائج المهمة إلى العيادة التي نحيلك إليها.",
            "احتسابك ضمن الأعداد الإجمالية للبرنامج، دون ذكر اسمك أبداً.",
            "الاحتفاظ بقياساتك دون اسمك لأبحاث صحية.",
        ),
    },
    "ug": {
        "title": "ھەقسىز سالامەتلىك تەكشۈرۈش: نېمە قىلىمىز ۋە نېمە ئۈچۈن",
        "body": (
            "قان بېسىمى، بوي، ئېغىرلىق قاتارلىقلارنى ئۆلچەيمىز ۋە نەتىجىسىنى ئۆز "
            "تىلىڭىزدا يېزىپ بېرىمىز. بارماق ئىزى، چىراي سۈرىتى ياكى گېن ئۇچۇرى "
            "ئالمايمىز، دىنىڭىز، كېلىپ چىقىشىڭىز ياكى سىياسىي قارىشىڭىزنى سورىمايمىز. "
            "ھەر بىر مەقسەتكە ئايرىم ھەئە ياكى ياق دېيەلەيسىز، خالىغان ۋاقىتتا "
            "قايتۇرۇۋالالايسىز."
        ),
        "purposes": (
            (
                "پونكىتلاردىكى ئۆلچەش: قان بېسىمى ۋە تومۇر، بوي، ئېغىرلىق، بەل ئايلانمىسى، كۆرۈش؛ "
                "ھامىلدار ياكى ئەمەسلىكىڭىزنى، يۇقىرى قان بېسىمى ياكى دىئابىت ئۈچۈن "
                "داۋالىنىۋاتقان-داۋالانمىغانلىقىڭىزنى سورايمىز."
            ),
            (
                "بارماقتىن بىر تامچە قان: قەنت، خولېستېرىن، قان تىپى؛ "
                "ئاخىرقى قېتىم قاچان تاماق يېگىنىڭىزنى سورايمىز."
            ),
            "تېلېفون نومۇرىڭىز: داۋالاش كېرەك بولغان نەتىجىلەرنى سىزگە ئېيتىش ئۈچۈن.",
            "مۇھىم نەتىجىلەرنى سىز يوللانغان دوختۇرخانىغا ئەۋەتىش.",
            "پروگراممىنىڭ ئومۇمىي سانلىرىغا قوشۇلۇش، ئىسمىڭىز ھەرگىز ئاتالمايدۇ.",
            "ئۆلچەش نەتىجىلىرىڭىزنى ئىسمىڭىزسىز سالامەتلىك تەتقىقاتى ئۈچۈن ساقلاش.",
        ),
    },
    "es": {
        "title": "Chequeo de salud gratuito: qué hacemos y por qué",
        "body": (
            "Medimos la presión arterial, la estatura, el peso y más, y le entregamos sus "
            "resultados por escrito, en su idioma. Nunca tomamos huellas dactilares, fotos "
            "de la cara ni ADN, y nunca preguntamos por su religión, origen u opiniones "
            "políticas. Puede decir sí o no a cada propósito por separado y retirarse "
            "cuando quiera."
        ),
        "purposes": (
            (
                "Mediciones en las estaciones: presión arterial y pulso, estatura, peso, cintura, "
                "vista; y le preguntamos si está embarazada y si ya recibe tratamiento para la "
                "presión alta o la diabetes."
            ),
            (
                "Una gota de sangre del dedo: azúcar, colesterol, grupo sanguíneo; "
                "y le preguntamos cuándo comió por última vez."
            ),
            "Su número de teléfono, para avisarle de resultados que necesitan atención.",
            "Enviar los resultados importantes a la clínica a la que le derivamos.",
            "Contarle en los totales del programa, nunca por su nombre.",
            "Guardar sus mediciones sin su nombre, para investigación en salud.",
        ),
    },
}
