"""An answer's ``inputs`` as stored (JSON text) read back as field name -> text, the one way
the warehouse's answer functions read them."""

from __future__ import annotations

import json


def input_values(inputs_text: str | None) -> dict[str, str] | None:
    """The inputs as texts, or None when there are none or they are not a JSON object. Inputs
    should be text; a number or null typed by a client still gets a comparable text."""
    if inputs_text is None:
        return None
    try:
        inputs = json.loads(inputs_text)
    except ValueError:
        return None
    if not isinstance(inputs, dict):
        return None
    return {
        str(k): "" if v is None else v if isinstance(v, str) else json.dumps(v)
        for k, v in inputs.items()
    }
