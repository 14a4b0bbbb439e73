"""How a broadcast reaches a WhatsApp teacher whose 24-hour window is closed: as the approved
announcement template with the text as its variable, or, when Meta would refuse the text as a
variable (a newline or tab, more than four spaces in a row, too long) or a poll needs its
options, parked behind the core's "new message" notice until the teacher replies."""

import re
from typing import Literal

ANNOUNCEMENT_TEMPLATE = "announcement"  # content/templates.yaml: variable text
# The template's body may hold 1,024 characters; its own words take the rest.
VARIABLE_LIMIT = 900
NOT_A_VARIABLE = re.compile(r"[\n\r\t]| {5,}")

Delivery = Literal["template", "park"]


def fits_template(text: str) -> bool:
    return bool(text) and len(text) <= VARIABLE_LIMIT and NOT_A_VARIABLE.search(text) is None


def closed_window_delivery(text: str, has_poll: bool) -> Delivery:
    return "template" if fits_template(text) and not has_poll else "park"
