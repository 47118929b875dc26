<?php
/**
 * REST routes sapa/v1/status and sapa/v1/sync: permission checks and the proxy to Sapa.
 *
 * @package Sapa
 */

/**
 * REST routes.
 */
class RestTest extends Sapa_Test_Case {

	/**
	 * Sapa's GET /stores/me.
	 *
	 * @return array
	 */
	private function store() {
		return array(
			'store_id'        => '00000000-0000-4000-8000-0000000000aa',
			'name'            => 'Batik Sapa Test',
			'site_url'        => 'http://example.org',
			'whatsapp_number' => '+6281100000007',
			'whatsapp_mode'   => 'provision',
			'sync'            => array(
				'status'     => 'running',
				'error'      => null,
				'resources'  => array(
					'orders'    => array(
						'done'  => 200,
						'total' => 443,
					),
					'customers' => array(
						'done'  => 200,
						'total' => 200,
					),
					'products'  => array(
						'done'  => 0,
						'total' => null,
					),
				),
				'updated_at' => '2026-11-23T10:00:00Z',
			),
		);
	}

	/**
	 * Runs a REST request in-process, as the REST server would for an HTTP call.
	 *
	 * @param string $method Method.
	 * @param string $route  Route.
	 * @return WP_REST_Response
	 */
	private function rest( $method, $route ) {
		return rest_do_request( new WP_REST_Request( $method, $route ) );
	}

	public function test_routes_are_registered_with_a_permission_callback() {
		$routes = rest_get_server()->get_routes( 'sapa/v1' );
		$this->assertArrayHasKey( '/sapa/v1/status', $routes );
		$this->assertArrayHasKey( '/sapa/v1/sync', $routes );
		foreach ( array( '/sapa/v1/status', '/sapa/v1/sync' ) as $route ) {
			foreach ( $routes[ $route ] as $handler ) {
				$this->assertIsCallable( $handler['permission_callback'] );
				$this->assertNotSame( '__return_true', $handler['permission_callback'] );
			}
		}
	}

	/**
	 * @dataProvider routes
	 */
	public function test_anonymous_callers_get_401_and_sapa_is_not_called( $method, $route ) {
		$this->given_connected();
		$response = $this->rest( $method, $route );
		$this->assertSame( 401, $response->get_status() );
		$this->assertSame( 'rest_forbidden', $response->get_data()['code'] );
		$this->assertSame( array(), $this->requests );
	}

	/**
	 * @dataProvider routes
	 */
	public function test_subscribers_and_editors_get_403( $method, $route ) {
		$this->given_connected();
		foreach ( array( 'subscriber', 'editor' ) as $role ) {
			wp_set_current_user( $this->make_user( $role ) );
			$response = $this->rest( $method, $route );
			$this->assertSame( 403, $response->get_status(), $role );
		}
		$this->assertSame( array(), $this->requests );
	}

	public function routes() {
		return array(
			'status' => array( 'GET', '/sapa/v1/status' ),
			'sync'   => array( 'POST', '/sapa/v1/sync' ),
		);
	}

	public function test_admin_gets_the_sync_status_without_secrets_and_the_number_is_kept() {
		$this->given_connected( null );
		$this->as_admin();
		$this->answer_sapa(
			function () {
				return array( 200, $this->store() );
			}
		);
		$response = $this->rest( 'GET', '/sapa/v1/status' );

		$this->assertSame( 200, $response->get_status() );
		$calls = $this->requests_to( 'GET', '/stores/me' );
		$this->assertCount( 1, $calls );
		$this->assertSame( 'Bearer ' . self::API_KEY, $calls[0]['headers']['Authorization'] );

		$data = $response->get_data();
		$this->assertTrue( $data['connected'] );
		$this->assertSame( 'running', $data['sync']['status'] );
		$this->assertSame(
			array(
				'done'  => 200,
				'total' => 443,
			),
			$data['sync']['resources']['orders']
		);
		$this->assertNull( $data['sync']['resources']['products']['total'] );
		$this->assertStringNotContainsString( self::API_KEY, wp_json_encode( $data ) );
		$this->assertSame( '+6281100000007', Sapa_Options::connection()['whatsapp_number'], 'a number assigned later reaches the button' );
	}

	public function test_the_webhook_health_sapa_reports_is_passed_on_typed() {
		$this->given_connected();
		$this->as_admin();
		$this->answer_sapa(
			function () {
				$store             = $this->store();
				$store['webhooks'] = array(
					array(
						'topic'    => 'order.updated',
						'status'   => 'disabled',
						'failures' => 6,
					),
					array(
						'topic'    => 'order.created',
						'status'   => 'active',
						'failures' => '0',
					),
					array(
						'topic'  => 'product.updated',
						'status' => 'active',
					),
					array( 'status' => 'active' ),
					'garbage',
				);
				return array( 200, $store );
			}
		);
		$data = $this->rest( 'GET', '/sapa/v1/status' )->get_data();
		$this->assertSame(
			array(
				array(
					'topic'    => 'order.updated',
					'status'   => 'disabled',
					'failures' => 6,
				),
				array(
					'topic'    => 'order.created',
					'status'   => 'active',
					'failures' => 0,
				),
				array(
					'topic'    => 'product.updated',
					'status'   => 'active',
					'failures' => null,
				),
			),
			$data['webhooks']
		);
	}

	public function test_a_sapa_that_does_not_report_webhooks_gives_null() {
		$this->given_connected();
		$this->as_admin();
		$this->answer_sapa(
			function () {
				return array( 200, $this->store() );
			}
		);
		$this->assertNull( $this->rest( 'GET', '/sapa/v1/status' )->get_data()['webhooks'] );
	}

	public function test_admin_status_when_not_connected() {
		$this->as_admin();
		$response = $this->rest( 'GET', '/sapa/v1/status' );
		$this->assertSame( 200, $response->get_status() );
		$this->assertSame( array( 'connected' => false ), $response->get_data() );
		$this->assertSame( array(), $this->requests );
	}

	public function test_admin_starts_a_sync() {
		$this->given_connected();
		$this->as_admin();
		$this->answer_sapa(
			function () {
				return array( 202, array( 'status' => 'pending' ) );
			}
		);
		$response = $this->rest( 'POST', '/sapa/v1/sync' );
		$this->assertSame( 202, $response->get_status() );
		$calls = $this->requests_to( 'POST', '/stores/me/sync' );
		$this->assertCount( 1, $calls );
		$this->assertSame( 'Bearer ' . self::API_KEY, $calls[0]['headers']['Authorization'] );
	}

	public function test_sync_when_not_connected_is_409() {
		$this->as_admin();
		$this->assertSame( 409, $this->rest( 'POST', '/sapa/v1/sync' )->get_status() );
		$this->assertSame( array(), $this->requests );
	}

	public function test_a_revoked_key_is_reported_as_a_bad_gateway_in_plain_words() {
		$this->given_connected();
		$this->as_admin();
		$this->answer_sapa(
			function () {
				return array( 401, array( 'detail' => 'unknown or revoked API key' ) );
			}
		);
		$response = $this->rest( 'GET', '/sapa/v1/status' );
		$this->assertSame( 502, $response->get_status() );
		$this->assertStringContainsString( 'no longer accepts', $response->get_data()['message'] );
	}
}
