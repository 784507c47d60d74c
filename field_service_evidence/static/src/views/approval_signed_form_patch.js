/** The job's form follows the customer's remote signature live: when the server says an
 * estimate of the open job was signed, the form reloads (unless the user is editing it). */
import { onWillDestroy } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { FormController } from "@web/views/form/form_controller";

patch(FormController.prototype, {
    setup() {
        super.setup(...arguments);
        if (this.props.resModel !== "project.task") {
            return;
        }
        const busService = useService("bus_service");
        const onSigned = async ({ task_id }) => {
            const root = this.model.root;
            if (task_id === root.resId && !(await root.isDirty())) {
                await root.load();
            }
        };
        busService.subscribe("field_service_evidence/approval_signed", onSigned);
        onWillDestroy(() => busService.unsubscribe("field_service_evidence/approval_signed", onSigned));
    },
});
