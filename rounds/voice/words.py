"""What the public pages say, per audience and language. Family words aim at a sixth-grade
reading level (short sentences, everyday words)."""

from __future__ import annotations

STAFF = {
    "lang": "en",
    "title": "Send a safety concern",
    "heading": "Help make {unit} safer",
    "intro": "You do not need to sign in or give your name. The unit's CUSP team reads every "
    "concern and tells you what happened.",
    "harm": "How do you think the next patient on this unit will be harmed?",
    "prevent": "What can we do to prevent or minimise that harm?",
    "role": "Your role",
    "role_hint": "For example “RN, nights”. Leave it empty if you prefer.",
    "round": "Is this about an executive safety round?",
    "no_round": "No, not about a particular round",
    "round_option": "Yes, the round on {when}",
    "privacy": "Do not write patients' names, room or bed numbers, dates of birth or record "
    "numbers. Do not write your own name.",
    "optional": "(optional)",
    "send": "Send",
    "honeypot": "Leave this empty",
    "slowed": "Many concerns were just sent from this network. Please wait {seconds} seconds and "
    "send again – your words are kept below.",
    "problems": "Please fix {n} below",
    "refused": "This could not be sent. Leave the last box empty and send again.",
    "other_lang": None,
}

FAMILY_EN = {
    "lang": "en",
    "title": "Tell us about a safety worry",
    "heading": "Tell us about a safety worry",
    "intro": "Is something here not safe? Tell us. You do not need to give your name. We read "
    "every message.",
    "harm": "What worries you about safety here?",
    "prevent": "What could we do to make it safer?",
    "privacy": "Please do not write your name, the patient's name, the room number or a "
    "birthday. We do not need them.",
    "optional": "(you can skip this)",
    "send": "Send",
    "honeypot": "Leave this empty",
    "slowed": "Many messages were just sent from this network. Please wait {seconds} seconds "
    "and send again. Your words are still here.",
    "problems": "Please fix {n} below",
    "refused": "This could not be sent. Leave the last box empty and send again.",
    "other_lang": ("es", "Español"),
}

FAMILY_ES = {
    "lang": "es",
    "title": "Cuéntenos una preocupación de seguridad",
    "heading": "Cuéntenos una preocupación de seguridad",
    "intro": "¿Algo aquí no es seguro? Díganos. No tiene que dar su nombre. Leemos todos los "
    "mensajes.",
    "harm": "¿Qué le preocupa sobre la seguridad aquí?",
    "prevent": "¿Qué podríamos hacer para que sea más seguro?",
    "privacy": "Por favor, no escriba su nombre, el nombre del paciente, el número de la "
    "habitación ni una fecha de nacimiento. No los necesitamos.",
    "optional": "(puede dejarlo en blanco)",
    "send": "Enviar",
    "honeypot": "Deje esto en blanco",
    "slowed": "Se enviaron muchos mensajes desde esta red. Espere {seconds} segundos y vuelva a "
    "enviarlo. Sus palabras siguen aquí.",
    "problems": "Por favor, corrija {n} cosa(s) abajo",
    "refused": "No se pudo enviar. Deje la última casilla en blanco y vuelva a enviarlo.",
    "other_lang": ("en", "English"),
}

# The reference page (/c/{code}) in the sender's language.
REFERENCE = {
    "en": {
        "title": "What happened to your concern",
        "sent": "Thank you – your concern was sent.",
        "keep": "Keep this code. It is the only way back to your concern:",
        "later": "Come back to this page later, or go to {lookup} and type the code.",
        "received": "Received {day}.",
        "waiting": "The unit's team has not looked at it yet. Come back in a few days.",
        "accepted": "It is on the unit's list of safety issues.",
        "merged": "Someone had raised the same thing. Your words were added to it.",
        "declined": "The team did not add it to their list. This is why:",
        "did": "What the team did",
        "said": "What the team told staff",
        "cannot": "Why it cannot be done",
        "status": "Where it is now",
        "lookup_title": "Look up a concern",
        "lookup_label": "Your reference code",
        "lookup_hint": "Six letters and numbers, like 7KQ-4M2.",
        "lookup_button": "Look up",
        "not_found": "No concern has that code. Check the letters and numbers.",
        "slowed": "Too many codes were tried from this network. Please try again in {minutes} "
        "minutes.",
        "your_words": "What you wrote",
    },
    "es": {
        "title": "Qué pasó con su preocupación",
        "sent": "Gracias. Su preocupación fue enviada.",
        "keep": "Guarde este código. Es la única forma de volver a su mensaje:",
        "later": "Vuelva a esta página más tarde, o vaya a {lookup} y escriba el código.",
        "received": "Recibido el {day}.",
        "waiting": "El equipo de la unidad todavía no lo ha revisado. Vuelva en unos días.",
        "accepted": "Está en la lista de problemas de seguridad de la unidad.",
        "merged": "Otra persona ya había dicho lo mismo. Sus palabras se agregaron a ese asunto.",
        "declined": "El equipo no lo agregó a su lista. Esta es la razón:",
        "did": "Lo que hizo el equipo",
        "said": "Lo que el equipo dijo al personal",
        "cannot": "Por qué no se puede hacer",
        "status": "Dónde está ahora",
        "lookup_title": "Buscar una preocupación",
        "lookup_label": "Su código",
        "lookup_hint": "Seis letras y números, como 7KQ-4M2.",
        "lookup_button": "Buscar",
        "not_found": "Ningún mensaje tiene ese código. Revise las letras y los números.",
        "slowed": "Se probaron demasiados códigos desde esta red. Vuelva a intentarlo en "
        "{minutes} minutos.",
        "your_words": "Lo que usted escribió",
    },
}

STOPLIGHT_ES = {"green": "Hecho", "yellow": "En curso", "red": "No se puede hacer"}


def for_link(audience: str, lang: str) -> dict:
    if audience == "family":
        return FAMILY_ES if lang == "es" else FAMILY_EN
    return STAFF
