using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CmgSim.ManagementPoint.Notification;

/// <summary>
/// The simulator's own trigger for trainers and tests, standing in for the console's "Client
/// Notification" actions: <c>POST /cmgsim/notify/{smsId}?task=RequestMachinePolicy[&amp;param=…]</c>
/// (name or number) → 202 with the task id, 404 when the client is not connected, 503 when its
/// queue is full, 400 for an unknown task; <c>GET /cmgsim/notify</c> → the connected and waiting counts.
/// <c>/cmgsim</c> is not a published MP path, so the CMG never forwards it: call the MP directly.
/// </summary>
internal static class NotifyAdminEndpoint
{
    public static async Task PushAsync(HttpContext context, string smsId, IClientNotificationService service)
    {
        var name = context.Request.Query["task"].ToString();
        if (!Enum.TryParse<NotificationTaskType>(name, ignoreCase: true, out var type) || !Enum.IsDefined(type))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync($"Unknown task '{name}'. Known: {string.Join(", ", Enum.GetNames<NotificationTaskType>())}.", context.RequestAborted);
            return;
        }

        var param = context.Request.Query["param"].ToString();
        var task = new NotificationTask(type, param.Length == 0 ? null : param);
        var result = await service.PushAsync(smsId, task, context.RequestAborted);
        context.Response.StatusCode = result switch
        {
            NotificationPushResult.Queued => StatusCodes.Status202Accepted,
            NotificationPushResult.NotConnected => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status503ServiceUnavailable,
        };
        await WriteJsonAsync(context, new JsonObject
        {
            ["smsId"] = smsId,
            ["task"] = type.ToString(),
            ["taskId"] = task.Id.ToString("B").ToUpperInvariant(),
            ["result"] = result.ToString(),
        });
    }

    public static Task StatusAsync(HttpContext context, IClientNotificationService service) =>
        WriteJsonAsync(context, new JsonObject
        {
            ["connected"] = service.ConnectedCount,
            ["waiting"] = service.WaitingCount,
        });

    private static Task WriteJsonAsync(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
