<?php
// livehub from PHP, with nothing but phpredis (for Redis) and PHP's own HTTP stream wrapper.
//
//   require 'LiveHub.php';
//   $hub = new LiveHub(getenv('HUB_TOKEN_SECRET'));
//   $token = $hub->token($userId);                       // for the page: /stream/app?token=... or the hub_token cookie
//   $hub->publishRedis($redis, [$learnerId, $trainerId], 'crud.update', ['model' => 'Task', 'id' => 12]);
//   $hub->publishHttp('http://hub:8090', getenv('HUB_PUBLISH_TOKEN'), [$learnerId], 'notif', ['unread' => 3]);

final class LiveHub
{
    public function __construct(
        private readonly string $tokenSecret = '',
        private readonly string $prefix = 'hub',
    ) {
    }

    /** A subscriber token (JWT, HS256) for one user, valid for $ttl seconds: keep it short, the page asks again. */
    public function token(string $userId, int $ttl = 300): string
    {
        if (strlen($this->tokenSecret) < 32) {
            throw new InvalidArgumentException('the token secret (hub.token.secret) has at least 32 bytes');
        }
        $now = time();
        $header = self::base64url(json_encode(['alg' => 'HS256', 'typ' => 'JWT']));
        $claims = self::base64url(json_encode(['sub' => $userId, 'iat' => $now, 'exp' => $now + $ttl]));
        $signature = self::base64url(hash_hmac('sha256', "$header.$claims", $this->tokenSecret, true));
        return "$header.$claims.$signature";
    }

    /**
     * Publishes one event to each user with one Redis call per user: FCALL hub_publish, the function the hub loads.
     * Give a $publishId to make a retry safe (appended once). Returns [userId => event id].
     */
    public function publishRedis(Redis $redis, array $userIds, string $event, array $data, ?string $publishId = null): array
    {
        $json = json_encode($data, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
        $ids = [];
        foreach ($userIds as $userId) {
            $args = ['hub_publish', 1, "{$this->prefix}:{{$userId}}:events", $event, $json];
            if ($publishId !== null) {
                $args[] = $publishId;
            }
            $id = $redis->rawCommand('FCALL', ...$args);
            if ($id === false) {
                throw new RuntimeException('FCALL hub_publish failed: ' . $redis->getLastError());
            }
            $ids[(string) $userId] = $id;
        }
        return $ids;
    }

    /** Publishes over HTTP: POST /hub/publish with the hub's publish token. Returns [userId => event id]. */
    public function publishHttp(string $hubUrl, string $publishToken, array $userIds, string $event, array $data,
            ?string $publishId = null): array
    {
        $body = ['users' => array_map('strval', $userIds), 'event' => $event, 'data' => $data];
        if ($publishId !== null) {
            $body['publish_id'] = $publishId;
        }
        $context = stream_context_create(['http' => [
            'method' => 'POST',
            'header' => "Content-Type: application/json\r\nAuthorization: Bearer $publishToken\r\n",
            'content' => json_encode($body, JSON_THROW_ON_ERROR),
            'ignore_errors' => true,
            'timeout' => 5,
        ]]);
        $answer = @file_get_contents(rtrim($hubUrl, '/') . '/hub/publish', false, $context);
        if ($answer === false) {
            throw new RuntimeException("the hub at $hubUrl cannot be reached");
        }
        $status = (int) explode(' ', $http_response_header[0] ?? 'HTTP/1.1 0')[1];
        if ($status !== 202) {
            throw new RuntimeException("POST /hub/publish answered $status: $answer");
        }
        return json_decode($answer, true, flags: JSON_THROW_ON_ERROR)['ids'];
    }

    private static function base64url(string $bytes): string
    {
        return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
    }
}
