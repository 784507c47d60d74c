from odoo.tests import tagged

from .test_remote_approval import RemoteApprovalCase


@tagged("post_install", "-at_install")
class TestRemoteApprovalTour(RemoteApprovalCase):
    def _job_url(self):
        return f"/odoo/field-service-jobs/{self.task.id}"

    def test_the_customer_approves_remotely(self):
        self.start_tour(self._job_url(), "fse_remote_approval_send_tour", login=self.technician.login)
        approval = self.task.approval_ids
        self.assertEqual(approval.state, "requested")
        self.assertTrue(approval.sent_at)

        # a customer who is not logged in opens the link
        self.start_tour(approval.get_portal_url(), "fse_remote_approval_sign_tour")
        self.assertEqual(approval.state, "approved")
        self.assertEqual(approval.method, "remote_signature")
        self.assertTrue(approval.signature)
        self.assertEqual(self.cleaning.state, "declined")

        self.start_tour(self._job_url(), "fse_remote_approval_job_tour", login=self.technician.login)
        self.assertEqual(self.task.service_state, "in_progress")
        self.assertTrue(approval.before_work)
