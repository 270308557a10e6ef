"""Nigeria's states and their two-letter codes (INEC, as in the sample shapefiles).

The one list the service uses: sign-up checks a user's region against it and the
analysis engine maps a state to its geopolitical zone. Pure data, no AWS.
"""
STATES = (
    ('AB', 'Abia'), ('AD', 'Adamawa'), ('AK', 'Akwa Ibom'), ('AN', 'Anambra'),
    ('BA', 'Bauchi'), ('BY', 'Bayelsa'), ('BE', 'Benue'), ('BO', 'Borno'),
    ('CR', 'Cross River'), ('DE', 'Delta'), ('EB', 'Ebonyi'), ('ED', 'Edo'),
    ('EK', 'Ekiti'), ('EN', 'Enugu'), ('FC', 'FCT'), ('GO', 'Gombe'), ('IM', 'Imo'),
    ('JI', 'Jigawa'), ('KD', 'Kaduna'), ('KN', 'Kano'), ('KT', 'Katsina'),
    ('KE', 'Kebbi'), ('KO', 'Kogi'), ('KW', 'Kwara'), ('LA', 'Lagos'),
    ('NA', 'Nasarawa'), ('NI', 'Niger'), ('OG', 'Ogun'), ('ON', 'Ondo'),
    ('OS', 'Osun'), ('OY', 'Oyo'), ('PL', 'Plateau'), ('RI', 'Rivers'),
    ('SO', 'Sokoto'), ('TA', 'Taraba'), ('YO', 'Yobe'), ('ZA', 'Zamfara'),
)

STATE_CODES = frozenset(code for code, _ in STATES)
