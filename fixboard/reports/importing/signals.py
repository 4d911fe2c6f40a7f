from django.dispatch import Signal

# Sent once per import, on commit, with jurisdiction_id and result (an ImportResult).
# Imported history sends no event_recorded per event: nobody should be notified about a
# pothole fixed in 2017, but listeners that keep aggregates can refresh here.
requests_imported = Signal()
